"""process_memory_map: /proc/<pid>/maps rows, with pid pushdown."""

from __future__ import annotations

import mmap
import os
from pathlib import Path

import pytest

from hostql.tables.system.process_memory_map import process_memory_map
from hostql.testing import run_table

MAPS = """\
55d0c4a00000-55d0c4a28000 r--p 00000000 08:01 1835042                    /usr/bin/bash
55d0c4a28000-55d0c4af1000 r-xp 00028000 08:01 1835042                    /usr/bin/bash
55d0c5a9f000-55d0c5c1e000 rw-p 00000000 00:00 0                          [heap]
7f1c2a000000-7f1c2a021000 rw-p 00000000 00:00 0 
7f1c2b000000-7f1c2b001000 rw-s 00000000 00:05 1234                       /memfd:pulse (deleted)
7f1c2c000000-7f1c2c001000 r--p 0000zz00 08:01 42                         /opt/My App/lib.so
not a mapping
"""  # noqa: W291 - anonymous mappings end with a space


def row(pid: int, start: str, end: str, perms: str, offset: int, device: str, inode: int,
        path: str, pseudo: int) -> dict[str, object]:  # fmt: skip
    return {"pid": pid, "start": start, "end": end, "permissions": perms, "offset": offset,
            "device": device, "inode": inode, "path": path, "pseudo": pseudo}  # fmt: skip


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for pid, text in ((7, MAPS), (9, "00400000-00401000 r-xp 00000000 08:01 5 /bin/x\n")):
        (tmp_path / f"proc/{pid}").mkdir(parents=True)
        (tmp_path / f"proc/{pid}/maps").write_text(text)
    (tmp_path / "proc/8").mkdir()  # a process that exited: no maps any more
    return tmp_path


def test_rows_with_osquery_semantics(root: Path) -> None:
    assert run_table(process_memory_map, "pid = 7", root=root) == [
        row(7, "0x55d0c4a00000", "0x55d0c4a28000", "r--p", 0, "08:01", 1835042, "/usr/bin/bash", 0),
        row(7, "0x55d0c4a28000", "0x55d0c4af1000", "r-xp", 0x28000, "08:01", 1835042,
            "/usr/bin/bash", 0),
        row(7, "0x55d0c5a9f000", "0x55d0c5c1e000", "rw-p", 0, "00:00", 0, "[heap]", 1),
        row(7, "0x7f1c2a000000", "0x7f1c2a021000", "rw-p", 0, "00:00", 0, "", 0),
        # osquery keeps only the first word of the path.
        row(7, "0x7f1c2b000000", "0x7f1c2b001000", "rw-s", 0, "00:05", 1234, "/memfd:pulse", 0),
        row(7, "0x7f1c2c000000", "0x7f1c2c001000", "r--p", -1, "08:01", 42, "/opt/My", 0),
    ]  # fmt: skip


def test_pid_pushdown_and_all_processes(root: Path) -> None:
    (root / "proc/10").mkdir()
    (root / "proc/10/maps").mkdir()  # reading it would fail: it must not be read
    assert run_table(process_memory_map, "pid in (9, 8, 404)", root=root, columns="pid, path") == [
        {"pid": 9, "path": "/bin/x"}
    ]
    (root / "proc/10/maps").rmdir()
    counts: dict[int, int] = {}
    for item in run_table(process_memory_map, root=root, columns="pid"):
        counts[item["pid"]] = counts.get(item["pid"], 0) + 1
    assert counts == {7: 6, 9: 1}


@pytest.mark.live
def test_live_anonymous_mapping_of_this_process() -> None:
    with mmap.mmap(-1, 3 * mmap.PAGESIZE) as region:
        address = f"0x{_address(region):x}"
        rows = run_table(process_memory_map, "pid = ?", os.getpid())
        lines = Path(f"/proc/{os.getpid()}/maps").read_text().splitlines()
        assert len(rows) == pytest.approx(len(lines), abs=5)
        mine = [r for r in rows if r["start"] == address]
        assert mine and mine[0]["permissions"].startswith("rw")
        assert int(mine[0]["end"], 16) - int(mine[0]["start"], 16) >= 3 * mmap.PAGESIZE


def _address(region: mmap.mmap) -> int:
    import ctypes

    return ctypes.addressof(ctypes.c_char.from_buffer(region))
