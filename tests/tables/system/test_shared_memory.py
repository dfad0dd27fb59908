"""shared_memory: System V segments from /proc/sysvipc/shm."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.shared_memory import shared_memory
from hostql.testing import run_table

HEADER = (
    "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid"
    "  cgid      atime      dtime      ctime                   rss                  swap\n"
)
SEGMENTS = (
    "         0          3  1600                 4096  1234  1300      0  1000  1000     0"
    "     0 1700000000 1700000100 1690000000                  4096                     0\n"
    "1234abcd      32769  2644              1048576    10    11      2  4242  4242  4242"
    "  4242          0          0 1690000001                     0                     0\n"
    "  garbage       line\n"
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "proc/sysvipc").mkdir(parents=True)
    (tmp_path / "proc/sysvipc/shm").write_text(HEADER + SEGMENTS)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"
    )
    return tmp_path


def test_segments(root: Path) -> None:
    assert run_table(shared_memory, root=root) == [
        {"shmid": 3, "owner_uid": 1000, "creator_uid": 0, "pid": 1300, "creator_pid": 1234,
         "atime": 1700000000, "dtime": 1700000100, "ctime": 1690000000,
         "permissions": "1600", "size": 4096, "attached": 0, "status": "dest", "locked": 0},
        # uid 4242 names no user: osquery leaves both uid columns NULL.
        {"shmid": 32769, "owner_uid": None, "creator_uid": None, "pid": 11, "creator_pid": 10,
         "atime": 0, "dtime": 0, "ctime": 1690000001, "permissions": "2644",
         "size": 1048576, "attached": 2, "status": "", "locked": 1},
    ]  # fmt: skip


def test_no_sysv_ipc_no_rows(tmp_path: Path) -> None:
    assert run_table(shared_memory, root=tmp_path) == []
    (tmp_path / "proc/sysvipc").mkdir(parents=True)
    (tmp_path / "proc/sysvipc/shm").write_text(HEADER)
    assert run_table(shared_memory, root=tmp_path) == []


@pytest.mark.live
def test_live_segment_matches_ipcs() -> None:
    if shutil.which("ipcmk") is None or shutil.which("ipcs") is None:
        pytest.skip("ipcmk/ipcs (util-linux) are not installed")
    made = subprocess.run(
        ["ipcmk", "-M", "8192", "-p", "0640"], capture_output=True, text=True, check=True
    ).stdout
    shmid = int(re.search(r"(\d+)\s*$", made).group(1))  # type: ignore[union-attr]
    try:
        listing = subprocess.run(["ipcs", "-m"], capture_output=True, text=True, check=True)
        line = next(
            row.split() for row in listing.stdout.splitlines() if row.split()[1:2] == [str(shmid)]
        )
        rows = run_table(shared_memory, "shmid = ?", shmid)
        assert len(rows) == 1
        assert rows[0]["size"] == int(line[4]) == 8192
        assert rows[0]["permissions"] == f"{int(line[3], 8):04o}" == "0640"
        assert rows[0]["attached"] == int(line[5])
    finally:
        subprocess.run(["ipcrm", "-m", str(shmid)], check=True)
