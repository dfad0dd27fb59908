"""hostql.host.kernel: kernel state files read under a fixture root."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.kernel import Kernel, Sysctl, parse_sysctl_config


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_parse_sysctl_config_follows_osquery_rules() -> None:
    config: dict[str, str] = {}
    parse_sysctl_config(
        "# comment = 1\n; other = 2\n  net.ipv4.ip_forward = 1  \nkernel.x=y\n"
        "a = b = c\nlonely\nempty =\n-net.ignored = 3\n",
        config,
    )
    assert config == {"net.ipv4.ip_forward": "1", "kernel.x": "y", "-net.ignored": "3"}


def test_sysctl_config_later_directories_override(tmp_path: Path) -> None:
    write(tmp_path, "/etc/sysctl.conf", "a = conf\nb = conf\nc = conf\n")
    write(tmp_path, "/etc/sysctl.d/10-x.conf", "b = etc\n")
    write(tmp_path, "/etc/sysctl.d/20-y.conf", "b = etc-later\n")
    write(tmp_path, "/usr/lib/sysctl.d/50-z.conf", "c = usr-lib\n")
    write(tmp_path, "/usr/lib/sysctl.d/README", "d = not a conf file\n")
    assert Kernel(Host(tmp_path)).sysctl_config() == {"a": "conf", "b": "etc-later", "c": "usr-lib"}


def test_sysctl_walk_lists_subdirectories_before_files(tmp_path: Path) -> None:
    for name in ("net/ipv4/ip_forward", "net/ipv4/conf/eth0.1/rp_filter", "net/core/x", "vm/a"):
        write(tmp_path, f"/proc/sys/{name}", "1\n")
    write(tmp_path, "/proc/sys/net/zz_top_file", "1\n")
    kernel = Kernel(Host(tmp_path))
    assert [s.name for s in kernel.sysctls()] == [
        "net.core.x",
        "net.ipv4.conf.eth0.1.rp_filter",
        "net.ipv4.ip_forward",
        "net.zz_top_file",
        "vm.a",
    ]
    assert [s.name for s in kernel.sysctls("net.ipv4")] == [
        "net.ipv4.conf.eth0.1.rp_filter",
        "net.ipv4.ip_forward",
    ]
    # A prefix prunes, but never drops a branch whose directory name holds a dot.
    assert [s.name for s in kernel.sysctls(prefix="net.ipv4.conf.eth0.1.")] == [
        "net.ipv4.conf.eth0.1.rp_filter"
    ]
    assert [s.name for s in kernel.sysctls(prefix="vm.")] == ["vm.a"]


def test_sysctl_names_and_values(tmp_path: Path) -> None:
    write(tmp_path, "/proc/sys/kernel/printk", "4\t4\t1\t7\n")
    (tmp_path / "proc/sys/kernel/gone").symlink_to(tmp_path / "nowhere")
    kernel = Kernel(Host(tmp_path))
    leaf = kernel.sysctl("kernel/printk")
    assert leaf == Sysctl("kernel.printk", str(tmp_path / "proc/sys/kernel/printk"))
    assert kernel.sysctl_value(leaf) == "4\t4\t1\t7"
    assert kernel.sysctl_value(kernel.sysctl("kernel.gone")) is None
    assert kernel.sysctl_value(kernel.sysctl("kernel")) is None
    assert kernel.is_sysctl_dir("kernel") and not kernel.is_sysctl_dir("kernel.printk")


def test_shm_segments_are_keyed_by_header(tmp_path: Path) -> None:
    write(
        tmp_path,
        "/proc/sysvipc/shm",
        "       key      shmid perms       size  cpid  lpid nattch   uid\n"
        "         0          3  1600       4096  1234  1300      0  1000\n"
        "short line\n",
    )
    assert list(Kernel(Host(tmp_path)).shm_segments()) == [
        {
            "key": "0",
            "shmid": "3",
            "perms": "1600",
            "size": "4096",
            "cpid": "1234",
            "lpid": "1300",
            "nattch": "0",
            "uid": "1000",
        }
    ]


def test_load_averages_and_missing_files(tmp_path: Path) -> None:
    write(tmp_path, "/proc/loadavg", "0.15 0.10 2.50 1/123 4567\n")
    kernel = Kernel(Host(tmp_path))
    assert kernel.load_averages() == (0.15, 0.10, 2.5)
    with pytest.raises(FileNotFoundError):
        kernel.modules_text()
