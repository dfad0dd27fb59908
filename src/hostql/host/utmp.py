"""utmp and wtmp login records: glibc's 384-byte struct utmp (x86_64 and aarch64)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

UTMP = "/var/run/utmp"
WTMP = "/var/log/wtmp"
RECORD_SIZE = 384
# ut_type, ut_pid; ut_line at 8, ut_id at 40, ut_user at 44, ut_host at 76; ut_tv at 340.
_HEAD = struct.Struct("<h2xi")
_TV_SEC = struct.Struct("<i")
_LINE, _USER, _HOST, _TV = 8, 44, 76, 340

EMPTY, RUN_LVL, BOOT_TIME, NEW_TIME, OLD_TIME = 0, 1, 2, 3, 4
INIT_PROCESS, LOGIN_PROCESS, USER_PROCESS, DEAD_PROCESS, ACCOUNTING = 5, 6, 7, 8, 9


class Record(NamedTuple):
    """One login record."""

    type: int
    pid: int
    line: str
    user: str
    host: str
    time: int


class Utmp:
    """Reader of the host's utmp-format login databases."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def records(self, path: str) -> Iterator[Record]:
        """The whole records of a utmp-format file, in file order (none if it is missing)."""
        try:
            data = self.host.path(path).read_bytes()
        except OSError:
            return
        for offset in range(0, len(data) - RECORD_SIZE + 1, RECORD_SIZE):
            yield parse_record(data[offset : offset + RECORD_SIZE])


def parse_record(record: bytes) -> Record:
    """One 384-byte struct utmp."""
    kind, pid = _HEAD.unpack_from(record)
    return Record(
        kind,
        pid,
        _c_string(record, _LINE),
        _c_string(record, _USER),
        _c_string(record, _HOST),
        _TV_SEC.unpack_from(record, _TV)[0],
    )


def _c_string(record: bytes, offset: int) -> str:
    # osquery builds std::string from the char array, so a field without a NUL runs on into
    # the next one, as it does in C.
    end = record.find(b"\0", offset)
    return record[offset : end if end != -1 else len(record)].decode("utf-8", "replace")


def attach(host: Host) -> Utmp:
    """The login record reader of host."""
    return Utmp(host)
