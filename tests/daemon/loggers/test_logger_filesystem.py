"""The filesystem logger: osquery's file names, modes, rotation, glog status files, fallbacks."""

from __future__ import annotations

import io
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard

from hostql.daemon.loggers import filesystem
from hostql.daemon.loggers.filesystem import (
    RESULTS_LOG,
    SNAPSHOTS_LOG,
    FilesystemLogger,
    Rotation,
    parse_logger_mode,
    rotated_name,
)
from hostql.daemon.records import StatusEntry, status_glog
from hostql.errors import FlagError
from hostql.flags import default_values

CLOCK = 1_764_170_000.0  # 2025-11-26 15:13:20 UTC


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC, so glog names and stamps are predictable."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_results_log_is_created_empty_in_a_private_new_directory(tmp_path: Path) -> None:
    directory = tmp_path / "var" / "log" / "osquery"
    logger = FilesystemLogger(directory)
    assert names(directory) == [RESULTS_LOG]
    assert (directory / RESULTS_LOG).read_bytes() == b""
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / RESULTS_LOG).stat().st_mode) == 0o640
    assert logger.errors == 0 and logger.last_error == ""
    logger.close()


def test_logger_mode_0754_is_applied_to_log_files_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        logger = FilesystemLogger(tmp_path, mode=0o754)
        logger.log_snapshots(['{"snapshot":[]}'])
    finally:
        os.umask(previous)
    for name in (RESULTS_LOG, SNAPSHOTS_LOG):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o754
    logger.close()


def test_logger_mode_is_reapplied_to_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / RESULTS_LOG).write_text("old\n")
    (tmp_path / RESULTS_LOG).chmod(0o666)
    FilesystemLogger(tmp_path, mode=0o600).close()
    assert stat.S_IMODE((tmp_path / RESULTS_LOG).stat().st_mode) == 0o600
    assert (tmp_path / RESULTS_LOG).read_text() == "old\n"


@pytest.mark.parametrize(
    ("text", "mode"), [("0640", 0o640), ("754", 0o754), ("07777", 0o7777), (" 0600 ", 0o600)]
)
def test_parse_logger_mode(text: str, mode: int) -> None:
    assert parse_logger_mode(text) == mode


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0648", "logger_mode must be an octal file mode, not '0648'"),
        ("rw-r", "logger_mode must be an octal file mode, not 'rw-r'"),
        ("010000", "logger_mode must be at most 07777, not '010000'"),
        ("-1", "logger_mode must be at most 07777, not '-1'"),
    ],
)
def test_bad_logger_mode_is_a_flag_error(text: str, message: str) -> None:
    with pytest.raises(FlagError) as raised:
        parse_logger_mode(text)
    assert str(raised.value) == message


def test_results_and_snapshots_go_to_their_own_files(tmp_path: Path) -> None:
    logger = FilesystemLogger(tmp_path)
    logger.log_results(['{"name":"a","action":"added"}', '{"name":"é"}'])
    logger.log_results([])
    logger.log_snapshots(['{"snapshot":[],"action":"snapshot"}'])
    logger.log_results(['{"name":"b"}'])
    # Each batch is flushed: another reader sees it before close().
    assert (tmp_path / RESULTS_LOG).read_text() == (
        '{"name":"a","action":"added"}\n{"name":"é"}\n{"name":"b"}\n'
    )
    assert (tmp_path / SNAPSHOTS_LOG).read_text() == '{"snapshot":[],"action":"snapshot"}\n'
    logger.close()


def test_from_flags(tmp_path: Path) -> None:
    values = default_values()
    values.set("logger_path", str(tmp_path / "logs"))
    values.set("logger_mode", "0600")
    values.set("logger_rotate", True)
    values.set("logger_rotate_size", "1000")
    values.set("logger_rotate_max_files", "3")
    values.set("logger_min_status", "1")
    logger = FilesystemLogger.from_flags(values)
    assert logger.directory == tmp_path / "logs"
    assert logger.mode == 0o600
    assert logger.results.rotation == Rotation(1000, 3)
    assert logger.min_status == 1
    logger.close()
    values.set("logger_rotate", False)
    assert FilesystemLogger.from_flags(values).results.rotation is None


def _line(i: int) -> str:
    return f"line-{i:03}".ljust(39, ".")  # 40 bytes with its newline


def _content(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.name.endswith(".zst"):
        data = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    return data.decode().splitlines()


def test_rotation_keeps_x1_plain_and_compresses_older_copies(tmp_path: Path) -> None:
    logger = FilesystemLogger(tmp_path, rotation=Rotation(size=100, max_files=3))
    results = tmp_path / RESULTS_LOG
    # The size is checked before each line: 3 lines (120 bytes) fit before a rotation.
    logger.log_results([_line(i) for i in range(12)])
    assert names(tmp_path) == [
        RESULTS_LOG,
        f"{RESULTS_LOG}.1",
        f"{RESULTS_LOG}.2.zst",
        f"{RESULTS_LOG}.3.zst",
    ]
    assert _content(results) == [_line(i) for i in (9, 10, 11)]
    assert _content(rotated_name(results, 1)) == [_line(i) for i in (6, 7, 8)]
    assert _content(rotated_name(results, 2)) == [_line(i) for i in (3, 4, 5)]
    assert _content(rotated_name(results, 3)) == [_line(i) for i in (0, 1, 2)]
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640

    logger.log_results([_line(i) for i in range(12, 15)])
    # max_files=3: the oldest copy (lines 0-2) is dropped.
    assert names(tmp_path) == [
        RESULTS_LOG,
        f"{RESULTS_LOG}.1",
        f"{RESULTS_LOG}.2.zst",
        f"{RESULTS_LOG}.3.zst",
    ]
    assert _content(results) == [_line(i) for i in (12, 13, 14)]
    assert _content(rotated_name(results, 3)) == [_line(i) for i in (3, 4, 5)]
    logger.close()


def test_rotation_counts_what_a_previous_run_left(tmp_path: Path) -> None:
    (tmp_path / SNAPSHOTS_LOG).write_text("x" * 99 + "\n")
    logger = FilesystemLogger(tmp_path, rotation=Rotation(size=100, max_files=25))
    logger.log_snapshots(["new"])
    assert _content(tmp_path / SNAPSHOTS_LOG) == ["new"]
    assert _content(tmp_path / f"{SNAPSHOTS_LOG}.1") == ["x" * 99]
    logger.close()


def test_a_small_batch_under_the_limit_does_not_rotate(tmp_path: Path) -> None:
    logger = FilesystemLogger(tmp_path, rotation=Rotation(size=1000, max_files=25))
    logger.log_results([_line(0), _line(1)])
    logger.log_results([_line(2)])
    assert names(tmp_path) == [RESULTS_LOG]
    logger.close()


def test_file_moved_away_by_logrotate_is_reopened(tmp_path: Path) -> None:
    logger = FilesystemLogger(tmp_path)
    logger.log_results(["first"])
    (tmp_path / RESULTS_LOG).rename(tmp_path / "results.old")
    logger.log_results(["second"])
    assert (tmp_path / "results.old").read_text() == "first\n"
    assert (tmp_path / RESULTS_LOG).read_text() == "second\n"
    logger.close()


def test_write_failure_falls_back_to_stderr_and_recovers(tmp_path: Path) -> None:
    stderr = io.StringIO()
    logger = FilesystemLogger(tmp_path, stderr=stderr)
    logger.close()
    (tmp_path / RESULTS_LOG).unlink()
    (tmp_path / RESULTS_LOG).mkdir()  # now nothing can open the results log
    logger.log_results(['{"a":1}', '{"a":2}'])
    assert logger.errors == 1
    assert logger.last_error.startswith(f"cannot write {tmp_path / RESULTS_LOG}: [Errno 21]")
    assert logger.last_error.endswith("; 2 lines follow on stderr")
    assert stderr.getvalue() == (
        f"hostqld: filesystem logger: {logger.last_error}\n" + '{"a":1}\n{"a":2}\n'
    )
    (tmp_path / RESULTS_LOG).rmdir()
    logger.log_results(['{"a":3}'])
    assert (tmp_path / RESULTS_LOG).read_text() == '{"a":3}\n'
    assert logger.errors == 1
    logger.close()


ENTRIES = [
    StatusEntry(0, "init.cpp", 10, "osqueryd started", 1_764_170_000),
    StatusEntry(1, "config.cpp", 20, "Unknown key: foo", 1_764_170_001),
    StatusEntry(2, "scheduler.cpp", 30, "Error executing scheduled query q: x", 1_764_170_002),
    StatusEntry(3, "watcher.cpp", 40, "fatal", 1_764_170_003),
]


def _glog(entries: list[StatusEntry]) -> list[str]:
    thread = threading.get_native_id()
    return [status_glog(entry, thread, 0) for entry in entries]


def _header() -> list[str]:
    return [
        "Log file created at: 2025/11/26 15:13:20",
        f"Running on machine: {socket.gethostname()}",
        "Running duration (h:mm:ss): 0:00:00",
        "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg",
    ]


def test_status_goes_to_glog_files_by_severity_with_symlinks(tmp_path: Path, utc: None) -> None:
    logger = FilesystemLogger(tmp_path, clock=lambda: CLOCK)
    logger.log_status(ENTRIES)
    pid = os.getpid()
    stamp = "20251126-151320"
    assert names(tmp_path) == [
        "osqueryd.ERROR",
        f"osqueryd.ERROR.{stamp}.{pid}",
        "osqueryd.INFO",
        f"osqueryd.INFO.{stamp}.{pid}",
        "osqueryd.WARNING",
        f"osqueryd.WARNING.{stamp}.{pid}",
        RESULTS_LOG,
    ]
    for severity in ("INFO", "WARNING", "ERROR"):
        assert (
            os.readlink(tmp_path / f"osqueryd.{severity}") == f"osqueryd.{severity}.{stamp}.{pid}"
        )
    # Each entry goes to its own severity's file and every lower one (FATAL to ERROR).
    assert (tmp_path / "osqueryd.INFO").read_text().splitlines() == _header() + _glog(ENTRIES)
    assert (tmp_path / "osqueryd.WARNING").read_text().splitlines() == _header() + _glog(
        ENTRIES[1:]
    )
    assert (tmp_path / "osqueryd.ERROR").read_text().splitlines() == _header() + _glog(ENTRIES[2:])
    assert _glog(ENTRIES[:1])[0].startswith("I1126 15:13:20.000000 ")
    assert stat.S_IMODE((tmp_path / f"osqueryd.INFO.{stamp}.{pid}").stat().st_mode) == 0o640
    logger.close()


def test_status_files_are_created_only_when_needed(tmp_path: Path) -> None:
    logger = FilesystemLogger(tmp_path)
    logger.log_status(ENTRIES[:1])
    assert [n for n in names(tmp_path) if not n.startswith("osqueryd.INFO")] == [RESULTS_LOG]
    logger.log_status(ENTRIES[:1])
    assert (tmp_path / "osqueryd.INFO").read_text().splitlines()[4:] == _glog(ENTRIES[:1]) * 2
    logger.close()


def test_min_status_drops_lower_severities(tmp_path: Path) -> None:
    logger = FilesystemLogger(tmp_path, min_status=2)
    logger.log_status(ENTRIES[:2])
    assert names(tmp_path) == [RESULTS_LOG]
    logger.log_status(ENTRIES)
    assert (tmp_path / "osqueryd.INFO").read_text().splitlines()[4:] == _glog(ENTRIES[2:])
    logger.close()


def test_big_status_file_continues_in_a_new_one(
    tmp_path: Path, utc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filesystem, "STATUS_FILE_MAX_BYTES", 1)
    now = [CLOCK]
    logger = FilesystemLogger(tmp_path, clock=lambda: now[0])
    logger.log_status(ENTRIES[:1])
    now[0] += 61
    logger.log_status(ENTRIES[:1])
    pid = os.getpid()
    assert os.readlink(tmp_path / "osqueryd.INFO") == f"osqueryd.INFO.20251126-151421.{pid}"
    first = (tmp_path / f"osqueryd.INFO.20251126-151320.{pid}").read_text().splitlines()
    assert first == _header() + _glog(ENTRIES[:1])
    second = (tmp_path / "osqueryd.INFO").read_text().splitlines()
    assert second[0] == "Log file created at: 2025/11/26 15:14:21"
    assert second[2] == "Running duration (h:mm:ss): 0:01:01"
    assert second[4:] == _glog(ENTRIES[:1])
    logger.close()


def test_unwritable_logger_path_sends_status_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    stderr = io.StringIO()
    logger = FilesystemLogger(tmp_path / "a-file" / "logs", stderr=stderr)
    assert logger.status_to_stderr
    assert logger.errors == 1
    assert logger.last_error.startswith(f"cannot create {tmp_path / 'a-file' / 'logs'}")
    logger.log_status(ENTRIES[1:2])
    assert stderr.getvalue() == _glog(ENTRIES[1:2])[0] + "\n"
    logger.log_results(["r"])
    assert stderr.getvalue().endswith("lines follow on stderr\nr\n")
    logger.close()


def test_status_write_failure_falls_back_to_stderr(tmp_path: Path) -> None:
    stderr = io.StringIO()
    directory = tmp_path / "logs"
    logger = FilesystemLogger(directory, stderr=stderr)
    (directory / RESULTS_LOG).unlink()
    directory.rmdir()
    logger.log_status(ENTRIES[:1])
    assert logger.errors == 1
    assert logger.last_error.startswith(f"cannot write status logs in {directory}: ")
    assert stderr.getvalue() == _glog(ENTRIES[:1])[0] + "\n"
    logger.close()


def test_failed_rotation_keeps_writing_to_the_unrotated_file(tmp_path: Path) -> None:
    logger = FilesystemLogger(tmp_path, rotation=Rotation(size=100, max_files=25))
    logger.log_results([_line(i) for i in range(6)])  # one rotation: X.1 holds lines 0-2
    # The next rotation must compress X.1 through X.2.zst.tmp, which cannot be created.
    (tmp_path / f"{RESULTS_LOG}.2.zst.tmp").mkdir()
    logger.log_results([_line(i) for i in range(6, 12)])
    assert logger.errors == 1
    assert logger.last_error.startswith(f"cannot rotate {tmp_path / RESULTS_LOG}: [Errno 21]")
    assert _content(tmp_path / f"{RESULTS_LOG}.1") == [_line(i) for i in (0, 1, 2)]
    assert _content(tmp_path / RESULTS_LOG) == [_line(i) for i in range(3, 12)]
    (tmp_path / f"{RESULTS_LOG}.2.zst.tmp").rmdir()
    logger.log_results([_line(12)])
    assert _content(tmp_path / RESULTS_LOG) == [_line(12)]
    assert _content(tmp_path / f"{RESULTS_LOG}.1") == [_line(i) for i in range(3, 12)]
    assert _content(tmp_path / f"{RESULTS_LOG}.2.zst") == [_line(i) for i in (0, 1, 2)]
    assert logger.errors == 1
    logger.close()
