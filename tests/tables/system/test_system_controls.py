"""system_controls: /proc/sys leaves, sysctl.conf values, and name/subsystem pushdown."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostql.host import kernel as kernel_module
from hostql.host.kernel import Kernel
from hostql.tables.system.system_controls import system_controls
from hostql.testing import run_table


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, value in {
        "abi/vsyscall32": "1\n",
        "kernel/hostname": "box\n",
        "kernel/printk": "4\t4\t1\t7\n",
        "net/core/somaxconn": "4096\n",
        "net/ipv4/ip_forward": "0\n",
        "net/ipv4/conf/eth0.1/rp_filter": "2\n",
    }.items():
        write(tmp_path, f"proc/sys/{name}", value)
    # A leaf that cannot be read (root reads any regular file, so a dangling link stands in).
    (tmp_path / "proc/sys/vm").mkdir()
    (tmp_path / "proc/sys/vm/compact_memory").symlink_to(tmp_path / "nowhere")
    write(tmp_path, "etc/sysctl.conf", "net.ipv4.ip_forward = 1\nkernel.hostname=configured\n")
    write(tmp_path, "etc/sysctl.d/99-local.conf", "net.ipv4.ip_forward = 0\n")
    write(tmp_path, "usr/lib/sysctl.d/50-default.conf", "net.ipv4.ip_forward = 2\n")
    return tmp_path


def row(name: str, value: str | None, config: str | None = None) -> dict[str, str | None]:
    return {
        "name": name,
        "oid": None,
        "subsystem": name.split(".")[0],
        "current_value": value,
        "config_value": config,
        "type": "string",
    }


def test_full_walk_in_osquery_order(root: Path) -> None:
    assert run_table(system_controls, root=root) == [
        row("abi.vsyscall32", "1"),
        row("kernel.hostname", "box", "configured"),
        row("kernel.printk", "4\t4\t1\t7"),
        row("net.core.somaxconn", "4096"),
        row("net.ipv4.conf.eth0.1.rp_filter", "2"),
        # osquery reads /usr/lib/sysctl.d after /etc/sysctl.d, so it has the last word.
        row("net.ipv4.ip_forward", "0", "2"),
        row("vm.compact_memory", None),
    ]


def test_name_reads_one_leaf(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_walk(*args: object, **kwargs: object) -> Iterator[object]:
        raise AssertionError("a name constraint must not walk /proc/sys")

    monkeypatch.setattr(Kernel, "sysctls", no_walk)
    assert run_table(system_controls, "name = 'kernel.printk'", root=root) == [
        row("kernel.printk", "4\t4\t1\t7")
    ]
    # osquery's quirk: a name with no sysctl behind it still yields a row.
    assert run_table(system_controls, "name = 'no.such.key'", root=root) == [
        row("no.such.key", None)
    ]
    # A dotted directory cannot be reached by name: dots turn into slashes.
    assert run_table(
        system_controls,
        "name = 'net.ipv4.conf.eth0.1.rp_filter'",
        root=root,
        columns="current_value",
    ) == [{"current_value": None}]


def test_branch_name_and_subsystem_limit_the_walk(root: Path) -> None:
    assert run_table(system_controls, "name = 'net.ipv4'", root=root) == []
    assert [r["name"] for r in run_table(system_controls, "subsystem = 'kernel'", root=root)] == [
        "kernel.hostname",
        "kernel.printk",
    ]
    assert run_table(system_controls, "subsystem = 'nope'", root=root) == []
    assert run_table(system_controls, "oid = '1.2'", root=root) == []


def test_like_prefix_prunes_other_branches(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[str] = []
    real_scandir = os.scandir

    def spy(path: str) -> object:
        scanned.append(os.path.relpath(path, root / "proc/sys"))
        return real_scandir(path)

    monkeypatch.setattr(kernel_module.os, "scandir", spy)
    rows = run_table(system_controls, "name like 'NET.IPV4.%'", root=root, columns="name")
    assert rows == [{"name": "net.ipv4.conf.eth0.1.rp_filter"}, {"name": "net.ipv4.ip_forward"}]
    assert "kernel" not in scanned and "abi" not in scanned and "net/core" not in scanned


def test_values_are_read_only_when_used(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_read(self: Kernel, item: object) -> str:
        raise AssertionError("current_value is not used")

    monkeypatch.setattr(Kernel, "sysctl_value", no_read)
    assert len(run_table(system_controls, root=root, columns="name, config_value")) == 7


@pytest.mark.live
def test_live_values_match_sysctl() -> None:
    output = subprocess.run(
        ["sysctl", "kernel.ostype", "kernel.pid_max", "vm.swappiness"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = dict(line.split(" = ", 1) for line in output.splitlines())
    rows = run_table(
        system_controls,
        "name in ('kernel.ostype', 'kernel.pid_max', 'vm.swappiness')",
        columns="name, current_value",
    )
    assert {r["name"]: r["current_value"] for r in rows} == expected
    assert len(run_table(system_controls, "subsystem = 'kernel'")) > 50
