"""process_open_files: descriptors of /proc/<pid>/fd that name files, with pid pushdown."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from hostql.tables.system.process_open_files import process_open_files
from hostql.testing import run_table


def write_fds(root: Path, pid: int, links: dict[int, str]) -> Path:
    fd_dir = root / "proc" / str(pid) / "fd"
    fd_dir.mkdir(parents=True)
    for fd, target in links.items():
        (fd_dir / str(fd)).symlink_to(target)
    return fd_dir


def test_files_only_in_fd_order(tmp_path: Path) -> None:
    write_fds(
        tmp_path,
        40,
        {
            0: "/dev/null",
            1: "pipe:[4321]",
            2: "socket:[1234]",
            3: "anon_inode:[eventfd]",
            10: "/var/log/app.log",
            4: "/tmp/scratch (deleted)",
        },
    )
    assert run_table(process_open_files, root=tmp_path) == [
        {"pid": 40, "fd": 0, "path": "/dev/null"},
        {"pid": 40, "fd": 4, "path": "/tmp/scratch (deleted)"},
        {"pid": 40, "fd": 10, "path": "/var/log/app.log"},
    ]


def test_processes_without_readable_fds_are_skipped(tmp_path: Path) -> None:
    write_fds(tmp_path, 40, {0: "/dev/null"})
    (tmp_path / "proc" / "41").mkdir()  # exited: no fd directory any more
    assert run_table(process_open_files, root=tmp_path, columns="pid") == [{"pid": 40}]


def test_pid_constraint_reads_only_those_processes(tmp_path: Path) -> None:
    write_fds(tmp_path, 1, {0: "/dev/null"})
    write_fds(tmp_path, 3, {5: "/etc/hosts"})
    (tmp_path / "proc" / "2").mkdir()
    (tmp_path / "proc" / "2" / "fd").write_text("listing this would fail the query")
    assert run_table(process_open_files, "pid = ?", 1, root=tmp_path) == [
        {"pid": 1, "fd": 0, "path": "/dev/null"}
    ]
    assert run_table(process_open_files, "pid in (1, 3)", root=tmp_path, columns="fd") == [
        {"fd": 0},
        {"fd": 5},
    ]


@pytest.mark.live
def test_live_file_this_process_opened() -> None:
    with tempfile.NamedTemporaryFile(prefix="hostql-open-files-") as handle:
        rows = run_table(process_open_files, "pid = ?", os.getpid())
        assert {"pid": os.getpid(), "fd": handle.fileno(), "path": handle.name} in rows
    assert all(not r["path"].startswith(("socket:", "pipe:")) for r in rows)
