"""logged_in_users: every utmp record but pid 1's; live check against utmpdump."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.logged_in_users import logged_in_users
from hostql.testing import run_table


def record(kind: int, pid: int, line: bytes, user: bytes, host: bytes, sec: int) -> bytes:
    """A glibc struct utmp (384 bytes, x86_64/aarch64 layout)."""
    return struct.pack(
        "<hxxi32s4s32s256shhiii16s20x", kind, pid, line, b"", user, host, 0, 0, 0, sec, 0, b""
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    run = tmp_path / "var" / "run"
    run.mkdir(parents=True)
    (run / "utmp").write_bytes(
        record(2, 0, b"~", b"reboot", b"6.1", 100)
        + record(1, 1, b"~", b"runlevel", b"6.1", 101)  # pid 1: skipped
        + record(6, 700, b"tty1", b"LOGIN", b"", 102)
        + record(7, 800, b"pts/0", b"carol", b"203.0.113.4", 103)
        + record(42, 900, b"?", b"odd", b"", 104)
    )
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(logged_in_users, root=root) == [
        {"type": "boot_time", "user": "reboot", "tty": "~", "host": "6.1", "time": 100,
         "pid": 0},
        {"type": "login", "user": "LOGIN", "tty": "tty1", "host": "", "time": 102, "pid": 700},
        {"type": "user", "user": "carol", "tty": "pts/0", "host": "203.0.113.4", "time": 103,
         "pid": 800},
        {"type": "unknown", "user": "odd", "tty": "?", "host": "", "time": 104, "pid": 900},
    ]  # fmt: skip


def test_no_utmp(tmp_path: Path) -> None:
    assert run_table(logged_in_users, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_utmpdump() -> None:
    utmp = Path("/var/run/utmp")
    if not shutil.which("utmpdump") or not utmp.exists():
        pytest.skip("utmpdump or /var/run/utmp missing")
    out = subprocess.run(["utmpdump", str(utmp)], capture_output=True, text=True).stdout
    expected = []
    for line in out.splitlines():
        fields = [f.strip() for f in re.findall(r"\[([^\]]*)\]", line)]
        if fields and int(fields[1]) != 1:
            expected.append((int(fields[1]), fields[3], fields[4]))
    rows = run_table(logged_in_users)
    assert [(r["pid"], r["user"], r["tty"]) for r in rows] == expected
