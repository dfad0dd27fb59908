"""Sysinfo reader: mount table escapes, CPU lists, memory, DMI, names and paths in a root."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.sysinfo import MountEntry, parse_cpu_list, parse_mounts


def test_mount_table_decodes_octal_escapes() -> None:
    text = "/dev/sdb1 /media/usb\\040stick vfat rw,uid=1000 0 0\n# comment\nshort line\n"
    assert list(parse_mounts(text)) == [
        MountEntry("/dev/sdb1", "/media/usb stick", "vfat", "rw,uid=1000")
    ]
    assert next(parse_mounts("a /tab\\011here\\134x t o 0 0\n")).path == "/tab\there\\x"


def test_cpu_lists() -> None:
    assert parse_cpu_list("0-3,8,10-11\n") == 7
    assert parse_cpu_list("0\n") == 1


def test_readers_under_a_root(tmp_path: Path) -> None:
    (tmp_path / "proc/sys/kernel").mkdir(parents=True)
    (tmp_path / "proc/meminfo").write_text("MemTotal:        2048 kB\n")
    (tmp_path / "proc/sys/kernel/hostname").write_text(" box \n")
    (tmp_path / "proc/cpuinfo").write_text("processor\t: 0\n\nprocessor\t: 1\n")
    (tmp_path / "sys/class/dmi/id").mkdir(parents=True)
    (tmp_path / "sys/class/dmi/id/sys_vendor").write_text("QEMU\n")
    sysinfo = Host(tmp_path).sysinfo
    assert sysinfo.physical_memory() == 2048 * 1024
    assert sysinfo.hostname() == "box"
    assert sysinfo.fqdn("box") == "box"
    assert sysinfo.online_cpus() == 2
    assert sysinfo.has_dmi()
    assert sysinfo.dmi("sys_vendor") == "QEMU"
    assert sysinfo.dmi("product_serial") is None
    assert sysinfo.read("/missing") is None
    assert sysinfo.statfs("/missing") is None
    assert sysinfo.statfs("/") is not None


def test_canonical_path_stays_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "dev/mapper").mkdir(parents=True)
    (tmp_path / "dev/dm-0").write_text("")
    (tmp_path / "dev/mapper/root").symlink_to("../dm-0")
    (tmp_path / "dev/escape").symlink_to("/etc/passwd")
    sysinfo = Host(tmp_path).sysinfo
    assert sysinfo.canonical_path("/dev/mapper/root") == "/dev/dm-0"
    assert sysinfo.canonical_path("/dev/missing") == "/dev/missing"
    assert sysinfo.canonical_path("tmpfs") == "tmpfs"
    assert sysinfo.canonical_path("/dev/escape") == "/dev/escape"


@pytest.mark.live
def test_live_names_and_memory() -> None:
    sysinfo = Host().sysinfo
    assert sysinfo.hostname() == socket.gethostname()
    assert sysinfo.machine() == os.uname().machine
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert sysinfo.physical_memory() == pages
    assert sysinfo.online_cpus() == os.cpu_count()
