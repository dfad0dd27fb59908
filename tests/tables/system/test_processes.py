"""processes: rows from a fixture /proc, pushdown, skipped columns, and the live machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostql.host import procfs as procfs_module
from hostql.host.procfs import CLOCK_TICKS
from hostql.tables.system.processes import processes
from hostql.testing import run_table

NOW = 1_700_000_000
UPTIME = 1000
STATUS = (
    "Name:\t{name}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\n"
    "PPid:\t1\nTracerPid:\t0\nUid:\t1000\t1001\t1002\t1003\nGid:\t2000\t2001\t2002\t2003\n"
    "FDSize:\t64\nGroups:\t2000\n{memory}Threads:\t2\n"
)
MEMORY = "VmPeak:\t   12000 kB\nVmSize:\t   10600 kB\nVmLck:\t       0 kB\nVmRSS:\t    5120 kB\n"
IO = (
    "rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\n"
    "cancelled_write_bytes: 1024\n"
)


def write_process(
    root: Path,
    pid: int,
    name: str = "server",
    *,
    exe: str | None = "/usr/bin/server",
    cmdline: bytes = b"/usr/bin/server\0--port\x008080\0",
    kernel_thread: bool = False,
) -> Path:
    """A /proc/<pid> directory in the kernel's formats."""
    base = root / "proc" / str(pid)
    base.mkdir(parents=True)
    (base / "stat").write_text(
        f"{pid} ({name}) S 1 {pid} {pid} 0 -1 4194560 500 0 2 0 250 120 0 0 20 -5 2 0 "
        f"{300 * CLOCK_TICKS} 10854400 1280 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 "
        "17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    )
    memory = "" if kernel_thread else MEMORY
    (base / "status").write_text(STATUS.format(name=name, pid=pid, memory=memory))
    (base / "cmdline").write_bytes(b"" if kernel_thread else cmdline)
    (base / "io").write_text(IO)
    (base / "cgroup").write_text("0::/system.slice/server.service\n")
    if exe is not None:
        (base / "exe").symlink_to(exe)
    (base / "cwd").symlink_to("/srv")
    (base / "root").symlink_to("/")
    return base


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A host root with /proc/uptime, a binary on disk and a fixed clock."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "uptime").write_text(f"{UPTIME}.42 3000.00\n")
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "bin" / "server").write_bytes(b"\x7fELF")
    monkeypatch.setattr(procfs_module.time, "time", lambda: NOW + 0.5)
    return tmp_path


def expected_row(pid: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "pid": pid,
        "name": "server",
        "path": "/usr/bin/server",
        "cmdline": "/usr/bin/server --port 8080",
        "state": "S",
        "cwd": "/srv",
        "root": "/",
        "uid": 1000,
        "gid": 2000,
        "euid": 1001,
        "egid": 2001,
        "suid": 1002,
        "sgid": 2002,
        "on_disk": 1,
        "wired_size": 0,
        "resident_size": 5120 * 1000,
        "total_size": 10600 * 1000,
        "user_time": 250 * 1000 // CLOCK_TICKS,
        "system_time": 120 * 1000 // CLOCK_TICKS,
        "disk_bytes_read": 4096,
        "disk_bytes_written": 8192 - 1024,
        "start_time": NOW - UPTIME + 300,
        "parent": 1,
        "pgroup": pid,
        "threads": 2,
        "nice": -5,
        "cgroup_path": "/system.slice/server.service",
    }
    row.update(changes)
    return row


def test_select_star_gives_every_linux_column(root: Path) -> None:
    write_process(root, 300)
    assert run_table(processes, root=root) == [expected_row(300)]


def test_kernel_thread_and_deleted_binary(root: Path) -> None:
    write_process(root, 2, "kthreadd", exe=None, kernel_thread=True)
    write_process(root, 77, exe="/usr/bin/gone (deleted)")
    rows = {r["pid"]: r for r in run_table(processes, root=root)}
    assert rows[2] == expected_row(
        2,
        name="kthreadd",
        path="",
        cmdline="",
        on_disk=-1,
        resident_size=None,
        total_size=None,
    )
    assert rows[77]["path"] == "/usr/bin/gone"
    assert rows[77]["on_disk"] == 0


def test_binary_really_named_deleted_is_checked_against_maps(root: Path) -> None:
    odd = root / "usr" / "bin" / "odd (deleted)"
    odd.write_bytes(b"\x7fELF")
    base = write_process(root, 78, exe="/usr/bin/odd (deleted)")
    inode = odd.stat().st_ino
    (base / "maps").write_text(
        f"55d0c0000000-55d0c0001000 r--p 00000000 fd:01 {inode}    /usr/bin/odd (deleted)\n"
    )
    [row] = run_table(processes, root=root, columns="path, on_disk")
    assert row == {"path": "/usr/bin/odd (deleted)", "on_disk": 1}
    (base / "maps").write_text(
        "55d0c0000000-55d0c0001000 r--p 00000000 fd:01 1    /usr/bin/odd (deleted)\n"
    )
    [row] = run_table(processes, root=root, columns="path, on_disk")
    assert row == {"path": "/usr/bin/odd", "on_disk": 0}


def test_unreadable_io_leaves_disk_columns_null(root: Path) -> None:
    base = write_process(root, 300)
    (base / "io").unlink()
    [row] = run_table(processes, root=root, columns="disk_bytes_read, disk_bytes_written")
    assert row == {"disk_bytes_read": None, "disk_bytes_written": None}


def test_malformed_or_vanished_processes_are_skipped(root: Path) -> None:
    write_process(root, 300)
    (write_process(root, 301) / "stat").write_text("301 (short) S 1\n")
    (write_process(root, 302) / "stat").unlink()  # exited between listing and reading
    (root / "proc" / "self").mkdir()
    assert [r["pid"] for r in run_table(processes, root=root)] == [300]


def test_start_time_is_minus_one_without_uptime(root: Path) -> None:
    write_process(root, 300)
    (root / "proc" / "uptime").unlink()
    assert run_table(processes, root=root, columns="start_time") == [{"start_time": -1}]


def poison(base: Path, *names: str) -> None:
    """Turn files of /proc/<pid> into directories: reading one fails the query loudly."""
    for name in names:
        path = base / name
        if path.is_symlink() or path.exists():
            path.unlink()
        path.mkdir()


def test_pid_constraint_reads_only_that_process(root: Path) -> None:
    write_process(root, 1)
    write_process(root, 3)
    poison(write_process(root, 2), "stat", "status", "cmdline", "io", "cgroup")
    assert run_table(processes, "pid = ?", 1, root=root) == [expected_row(1)]
    assert [r["pid"] for r in run_table(processes, "pid in (1, 3, 99)", root=root)] == [1, 3]
    assert run_table(processes, "pid = 'nonsense'", root=root) == []


def test_columns_not_used_are_not_read(root: Path) -> None:
    # io, cgroup, cmdline and status of this process cannot be read: a query must not need them.
    poison(write_process(root, 300), "io", "cgroup", "cmdline", "status", "maps")
    assert run_table(processes, root=root, columns="pid, parent, state, threads") == [
        {"pid": 300, "parent": 1, "state": "S", "threads": 2}
    ]
    assert run_table(processes, root=root, columns="count(*)") == [{"count(*)": 1}]


@pytest.mark.live
def test_live_matches_proc_and_ps() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        time.sleep(0.2)  # let the child exec
        ps = subprocess.run(
            ["ps", "-eo", "pid,ppid,uid,gid,rss,vsz,stat,etimes,nice,args", "--no-headers"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows = {r["pid"]: r for r in run_table(processes)}
        listed = {}
        for line in ps.splitlines():
            fields = line.split(None, 9)
            listed[int(fields[0])] = fields
        # Every process ps saw that is still alive after our scan was alive during it.
        alive = {p for p in listed if os.path.isdir(f"/proc/{p}")}
        assert alive <= set(rows)
        _, ppid, uid, gid, rss, vsz, stat, etimes, nice, args = listed[child.pid]
        row = rows[child.pid]
        assert (row["parent"], row["uid"], row["gid"]) == (int(ppid), int(uid), int(gid))
        assert row["name"] == "sleep"
        assert row["cmdline"] == args == "sleep 30"
        assert row["state"] == stat[0] == "S"
        assert row["nice"] == int(nice)
        assert row["resident_size"] == int(rss) * 1000
        assert row["total_size"] == int(vsz) * 1000
        # Whole seconds everywhere (uptime, start ticks, etimes): up to 3 s apart.
        assert abs(row["start_time"] - (time.time() - int(etimes))) <= 3
        assert row["path"] == os.path.realpath(f"/proc/{child.pid}/exe")
        assert row["on_disk"] == 1
        assert row["cwd"] == os.getcwd()
        with open(f"/proc/{child.pid}/cgroup") as cgroup:
            assert row["cgroup_path"] == cgroup.readline().rstrip("\n").split(":", 2)[2]
    finally:
        child.kill()
        child.wait()
    me = run_table(processes, "pid = ?", os.getpid())
    assert len(me) == 1
    assert me[0]["parent"] == os.getppid()
    assert me[0]["path"] == os.path.realpath(sys.executable)
    assert me[0]["state"] == "R"
    assert me[0]["disk_bytes_read"] is not None or os.geteuid() != 0
