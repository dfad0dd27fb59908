"""process_open_pipes: pipe descriptors and their partner ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostql.host.process_maps import ProcessMaps
from hostql.tables.system.process_open_pipes import Pipe, _rows, process_open_pipes
from hostql.testing import run_table


def test_partner_rules() -> None:
    reader, writer = Pipe(1, 3, "r", 50, "anonymous"), Pipe(2, 4, "w", 50, "anonymous")
    other_reader = Pipe(3, 0, "r", 50, "anonymous")
    ends = [reader, writer, other_reader]
    # A reader partners with writers only; the writer with both readers.
    assert [r["partner_pid"] for r in _rows(reader, ends)] == [2]
    assert [r["partner_pid"] for r in _rows(writer, ends)] == [1, 3]
    both = Pipe(4, 9, "rw", 60, "named")
    assert [r["partner_fd"] for r in _rows(both, [both, Pipe(5, 1, "rw", 60, "named")])] == [1]
    assert list(_rows(both, [both])) == [
        {"pid": 4, "fd": 9, "mode": "rw", "inode": 60, "type": "named"}
    ]


def fds(root: Path, pid: int, links: dict[int, str]) -> None:
    directory = root / f"proc/{pid}/fd"
    directory.mkdir(parents=True)
    for fd, target in links.items():
        (directory / str(fd)).symlink_to(target)


def test_fixture_pipes_and_fifos(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    os.mkfifo(tmp_path / "run/queue")
    fifo = os.stat(tmp_path / "run/queue").st_ino
    fds(tmp_path, 20, {0: "pipe:[700]", 1: "/dev/null", 2: "socket:[5]", 5: "/run/queue"})
    fds(tmp_path, 21, {3: "pipe:[700]", 4: "pipe:[701]"})
    (tmp_path / "proc/22").mkdir()  # no readable descriptors
    # Fixture links are plain symlinks (mode 777), so every end reads as "rw".
    rows = run_table(process_open_pipes, root=tmp_path)
    assert rows == [
        {"pid": 20, "fd": 0, "mode": "rw", "inode": 700, "type": "anonymous",
         "partner_pid": 21, "partner_fd": 3, "partner_mode": "rw"},
        {"pid": 20, "fd": 5, "mode": "rw", "inode": fifo, "type": "named",
         "partner_pid": None, "partner_fd": None, "partner_mode": None},
        {"pid": 21, "fd": 3, "mode": "rw", "inode": 700, "type": "anonymous",
         "partner_pid": 20, "partner_fd": 0, "partner_mode": "rw"},
        {"pid": 21, "fd": 4, "mode": "rw", "inode": 701, "type": "anonymous",
         "partner_pid": None, "partner_fd": None, "partner_mode": None},
    ]  # fmt: skip
    assert run_table(process_open_pipes, "pid = 21", root=tmp_path) == rows[2:]


def test_pid_constraint_skips_unrelated_descriptors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fds(tmp_path, 30, {0: "pipe:[900]"})
    fds(tmp_path, 31, {0: "pipe:[900]", 1: "/var/log/a", 2: "pipe:[901]"})
    stats: list[str] = []
    real = ProcessMaps.fifo_inode

    def spy(self: ProcessMaps, path: str) -> int | None:
        stats.append(path)
        return real(self, path)

    monkeypatch.setattr(ProcessMaps, "fifo_inode", spy)
    rows = run_table(process_open_pipes, "pid = 30", root=tmp_path, columns="partner_pid")
    assert rows == [{"partner_pid": 31}]
    assert stats == []  # pid 30 holds no named pipe: nobody else's files are stat'ed
    assert len(run_table(process_open_pipes, root=tmp_path)) == 3
    assert stats == ["/var/log/a"]


@pytest.mark.live
def test_live_pipe_to_a_child() -> None:
    read_end, write_end = os.pipe()
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=read_end)
    try:
        inode = os.fstat(write_end).st_ino
        rows = run_table(process_open_pipes, "pid = ?", os.getpid())
        mine = [r for r in rows if r["fd"] == write_end]
        assert {(r["mode"], r["inode"], r["type"]) for r in mine} == {("w", inode, "anonymous")}
        partners = {(r["partner_pid"], r["partner_mode"]) for r in mine}
        assert (child.pid, "r") in partners and (os.getpid(), "r") in partners
        child_rows = run_table(process_open_pipes, "pid = ?", child.pid)
        assert any(r["fd"] == 0 and r["partner_pid"] == os.getpid() for r in child_rows)
    finally:
        os.close(read_end)
        os.close(write_end)
        child.wait(timeout=10)
