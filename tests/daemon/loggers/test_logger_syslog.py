"""The syslog logger against a real rsyslogd: facility, priority, tag, text, long lines."""

from __future__ import annotations

import io
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hostql.daemon.loggers.syslog import PART_BYTES, SyslogLogger, frame, split_utf8
from hostql.daemon.records import StatusEntry
from hostql.flags import default_values

if TYPE_CHECKING:
    from conftest import Rsyslog

ENTRIES = [
    StatusEntry(0, "init.cpp", 10, "osqueryd started", 1_764_170_000),
    StatusEntry(1, "config.cpp", 20, "Unknown key: foo", 1_764_170_001),
    StatusEntry(2, "scheduler.cpp", 30, "Error executing scheduled query q: x", 1_764_170_002),
    StatusEntry(3, "watcher.cpp", 40, "fatal", 1_764_170_003),
]


def received(rsyslog: Rsyslog, ident: str, count: int) -> list[str]:
    """facility|severity|message of the lines rsyslog wrote for ident (this process)."""
    tag = f"{ident}[{os.getpid()}]:"
    lines = rsyslog.wait_for(lambda line: line.split("|")[2] == tag, count)
    out = []
    for line in lines:
        facility, severity, _, procid, message = line.split("|", 4)
        assert procid == str(os.getpid())
        # RFC 3164's MSG part starts after "tag:", so rsyslog keeps the space before it.
        assert message.startswith(" ")
        out.append(f"{facility}|{severity}|{message[1:]}")
    return out


def test_results_at_info_on_local3_and_status_by_severity(rsyslog: Rsyslog) -> None:
    logger = SyslogLogger(socket_path=rsyslog.socket_path, ident="hq-default")
    logger.log_results(['{"name":"a","action":"added"}', '{"name":"é"}'])
    logger.log_snapshots(['{"snapshot":[]}'])
    logger.log_status(ENTRIES)
    logger.close()
    assert received(rsyslog, "hq-default", 7) == [
        '19|6|{"name":"a","action":"added"}',
        '19|6|{"name":"é"}',
        '19|6|{"snapshot":[]}',
        "19|5|severity=0 location=init.cpp:10 message=osqueryd started",
        "19|4|severity=1 location=config.cpp:20 message=Unknown key: foo",
        "19|3|severity=2 location=scheduler.cpp:30 message=Error executing scheduled query q: x",
        "19|2|severity=3 location=watcher.cpp:40 message=fatal",
    ]
    assert logger.errors == 0


def test_facility_cee_and_min_status_from_flags(rsyslog: Rsyslog) -> None:
    values = default_values()
    values.set("logger_syslog_facility", "1")
    values.set("logger_syslog_prepend_cee", True)
    values.set("logger_min_status", "2")
    logger = SyslogLogger.from_flags(values)
    assert logger.socket_path == "/dev/log"
    logger.socket_path = rsyslog.socket_path
    logger.ident = "hq-flags"
    logger.log_results(['{"name":"a"}'])
    logger.log_status(ENTRIES)
    logger.close()
    assert received(rsyslog, "hq-flags", 3) == [
        '1|6|@cee:{"name":"a"}',
        "1|3|severity=2 location=scheduler.cpp:30 message=Error executing scheduled query q: x",
        "1|2|severity=3 location=watcher.cpp:40 message=fatal",
    ]


def test_out_of_range_facility_is_local3(rsyslog: Rsyslog) -> None:
    assert SyslogLogger(facility=24).facility == 19
    assert SyslogLogger(facility=-1).facility == 19
    assert SyslogLogger(facility=23).facility == 23


def test_a_100k_line_arrives_whole(rsyslog: Rsyslog) -> None:
    line = '{"data":"' + "é" * 50_000 + '"}'
    logger = SyslogLogger(socket_path=rsyslog.socket_path, ident="hq-long")
    logger.log_results([line])
    logger.close()
    assert received(rsyslog, "hq-long", 1) == [f"19|6|{line}"]
    assert logger.errors == 0 and logger.split_lines == 0


def test_a_line_beyond_the_datagram_limit_is_sent_in_parts(rsyslog: Rsyslog) -> None:
    line = "0123456789" * 30_000  # 300,000 bytes: more than a unix datagram may carry
    logger = SyslogLogger(socket_path=rsyslog.socket_path, ident="hq-split")
    logger.log_results([line, "after"])
    logger.close()
    parts = -(-len(line) // PART_BYTES)
    got = received(rsyslog, "hq-split", parts + 1)
    assert len(got) == parts + 1
    assert "".join(part.removeprefix("19|6|") for part in got[:-1]) == line
    assert got[-1] == "19|6|after"
    assert logger.split_lines == 1
    assert logger.errors == 1
    assert logger.last_error == (
        f"a 300000-byte line exceeds the syslog datagram limit: sent in {parts} parts"
    )


def test_missing_socket_falls_back_to_stderr(tmp_path: Path) -> None:
    stderr = io.StringIO()
    logger = SyslogLogger(socket_path=str(tmp_path / "nothing"), stderr=stderr)
    logger.log_results(["r1", "r2"])
    assert logger.errors == 1
    assert logger.last_error == (
        f"cannot send to {tmp_path / 'nothing'}: [Errno 2] No such file or directory; "
        "2 lines follow on stderr"
    )
    assert stderr.getvalue() == f"hostqld: syslog logger: {logger.last_error}\nr1\nr2\n"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[Path, list[socket.socket]]]:
    path = tmp_path / "dev-log"
    sockets = [socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)]
    sockets[0].bind(str(path))
    yield path, sockets
    for sock in sockets:
        sock.close()


def test_reconnects_when_syslogd_restarts(receiver: tuple[Path, list[socket.socket]]) -> None:
    path, sockets = receiver
    logger = SyslogLogger(socket_path=str(path), ident="hq", clock=lambda: 0.0)
    logger.log_results(["before"])
    assert sockets[0].recv(1000).endswith(b": before")
    sockets[0].close()
    path.unlink()
    sockets.append(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    sockets[1].bind(str(path))
    logger.log_results(["after"])
    assert sockets[1].recv(1000).endswith(b": after")
    assert logger.errors == 0
    logger.close()


@pytest.fixture
def utc() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_frame_is_glibc_rfc3164(utc: None) -> None:
    assert frame(6, 19, "osqueryd", 4242, 1_762_333_387.9, b"hello") == (
        b"<158>Nov  5 09:03:07 osqueryd[4242]: hello"
    )
    assert frame(2, 0, "x", 1, 1_765_000_000, b"") == b"<2>Dec  6 05:46:40 x[1]: "


def test_split_utf8_never_cuts_a_character() -> None:
    data = "aé€😀".encode() * 3
    for size in range(1, 12):
        parts = list(split_utf8(data, size))
        assert b"".join(parts) == data
        for part in parts:
            part.decode()
            assert len(part) <= max(size, 4)
    assert list(split_utf8(b"", 4)) == []
