"""utmp: glibc's 384-byte struct utmp records."""

from __future__ import annotations

import struct
from pathlib import Path

from hostql.host import Host
from hostql.host.utmp import RECORD_SIZE, Record, parse_record


def record(kind: int, pid: int, line: bytes, user: bytes, host: bytes, sec: int) -> bytes:
    """A struct utmp as glibc lays it out on x86_64/aarch64."""
    raw = struct.pack(
        "<hxxi32s4s32s256shhiii16s20x",
        kind,
        pid,
        line,
        b"ts/0",
        user,
        host,
        0,
        0,
        0,
        sec,
        123,
        b"\x0a\x00\x00\x05" + bytes(12),
    )
    assert len(raw) == RECORD_SIZE
    return raw


def test_parse_record() -> None:
    raw = record(7, 4242, b"pts/3", b"alice", b"192.0.2.7", 1_700_000_000)
    assert parse_record(raw) == Record(7, 4242, "pts/3", "alice", "192.0.2.7", 1_700_000_000)


def test_unterminated_field_runs_into_the_next_as_in_c() -> None:
    raw = record(7, 1, b"x" * 32, b"bob", b"h", -5)
    # ut_line has no NUL: C's string continues through ut_id into ut_user.
    assert parse_record(raw).line == "x" * 32 + "ts/0bob"
    assert parse_record(raw).time == -5


def test_records_skip_a_partial_tail(tmp_path: Path) -> None:
    (tmp_path / "var" / "log").mkdir(parents=True)
    data = record(2, 0, b"~", b"reboot", b"6.1", 10) + record(8, 9, b"tty1", b"", b"", 11)
    (tmp_path / "var" / "log" / "wtmp").write_bytes(data + b"\1" * 100)
    records = list(Host(tmp_path).utmp.records("/var/log/wtmp"))
    assert [(r.type, r.user, r.time) for r in records] == [(2, "reboot", 10), (8, "", 11)]
    assert list(Host(tmp_path).utmp.records("/var/run/utmp")) == []
