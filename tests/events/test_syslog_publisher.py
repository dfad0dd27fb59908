"""The syslog publisher: the pipe it creates and locks, its read loop, rate limit and errors."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostql.events.base import PublisherError
from hostql.events.publishers.syslog import ERROR_THRESHOLD, PIPE_MODE, SyslogPublisher
from hostql.flags import FlagValues, default_values


def _line(tag: str, message: str, severity: int = 5) -> bytes:
    return (
        f'"2024-05-01T10:00:00.000000+00:00","box","{severity}","user","{tag}:"," {message}"\n'
    ).encode()


def _values(pipe: Path, **flags: Any) -> FlagValues:
    values = default_values()
    values.set("enable_syslog", True)
    values.set("syslog_pipe_path", str(pipe))
    for name, value in flags.items():
        values.set(name, value)
    return values


class Running:
    """A publisher set up and run on a thread, with what it fired."""

    def __init__(self, publisher: SyslogPublisher) -> None:
        self.publisher = publisher
        self.fired: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        self.stop = threading.Event()
        publisher.fire = lambda event: self.fired.append(dict(event))
        publisher.setup()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.publisher.run(self.stop)
        except BaseException as exc:
            self.error = exc

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.fired) < count and time.monotonic() < deadline and self.error is None:
            time.sleep(0.01)
        return self.fired

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.publisher.teardown()


@pytest.fixture
def pipe(tmp_path: Path) -> Path:
    return tmp_path / "syslog_pipe"


@pytest.fixture
def running(pipe: Path) -> Iterator[Running]:
    runner = Running(SyslogPublisher(_values(pipe)))
    yield runner
    runner.close()


def _write(pipe: Path, data: bytes) -> None:
    fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def test_setup_refuses_when_syslog_is_disabled(pipe: Path) -> None:
    values = _values(pipe)
    values.set("enable_syslog", False)
    with pytest.raises(PublisherError, match="disabled"):
        SyslogPublisher(values).setup()
    assert not pipe.exists()


def test_setup_creates_the_pipe_with_osquery_mode(pipe: Path) -> None:
    publisher = SyslogPublisher(_values(pipe))
    publisher.setup()
    try:
        mode = pipe.stat().st_mode
        assert stat.S_ISFIFO(mode)
        assert stat.S_IMODE(mode) == PIPE_MODE
    finally:
        publisher.teardown()
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_setup_refuses_a_path_that_is_not_a_fifo(pipe: Path) -> None:
    pipe.write_text("regular file")
    with pytest.raises(PublisherError, match="Not a FIFO file"):
        SyslogPublisher(_values(pipe)).setup()


def test_setup_refuses_a_pipe_another_reader_locked(pipe: Path) -> None:
    first = SyslogPublisher(_values(pipe))
    first.setup()
    try:
        with pytest.raises(PublisherError, match="lock"):
            SyslogPublisher(_values(pipe)).setup()
    finally:
        first.teardown()
    second = SyslogPublisher(_values(pipe))
    second.setup()
    second.teardown()


def test_run_fires_each_line_written_to_the_pipe(running: Running, pipe: Path) -> None:
    _write(pipe, _line("app", "one") + _line("app[7]", "two, with comma", severity=3))
    fired = running.wait_for(2)
    assert fired == [
        {
            "datetime": "2024-05-01T10:00:00.000000+00:00",
            "host": "box",
            "severity": "5",
            "facility": "user",
            "tag": "app",
            "message": "one",
        },
        {
            "datetime": "2024-05-01T10:00:00.000000+00:00",
            "host": "box",
            "severity": "3",
            "facility": "user",
            "tag": "app[7]",
            "message": "two, with comma",
        },
    ]


def test_run_survives_writers_closing_and_partial_lines(running: Running, pipe: Path) -> None:
    whole = _line("split", "across writes")
    _write(pipe, whole[:20])
    time.sleep(0.3)
    assert running.fired == []
    _write(pipe, whole[20:] + b"\n")
    assert [e["tag"] for e in running.wait_for(1)] == ["split"]
    assert running.error is None


def test_run_counts_bad_lines_and_keeps_reading(running: Running, pipe: Path) -> None:
    _write(pipe, b"not,a,syslog,line\n" + _line("good", "after the bad one"))
    fired = running.wait_for(1)
    assert [e["tag"] for e in fired] == ["good"]
    assert running.publisher.counters["errors"] == 1
    assert running.error is None


def test_run_gives_up_after_too_many_errors_in_a_row(running: Running, pipe: Path) -> None:
    _write(pipe, b"bad\n" * ERROR_THRESHOLD)
    running.thread.join(5)
    assert isinstance(running.error, PublisherError)
    assert "Too many errors" in str(running.error)


def test_rate_limit_bounds_lines_per_run(pipe: Path) -> None:
    runner = Running(SyslogPublisher(_values(pipe, syslog_rate_limit=5)))
    try:
        _write(pipe, b"".join(_line("burst", str(i)) for i in range(20)))
        started = time.monotonic()
        fired = runner.wait_for(20)
        elapsed = time.monotonic() - started
    finally:
        runner.close()
    assert [e["message"] for e in fired] == [str(i) for i in range(20)]
    # 20 lines at 5 per run need at least three pauses between runs.
    assert elapsed >= 0.55


def test_overlong_lines_are_counted_and_skipped(running: Running, pipe: Path) -> None:
    _write(pipe, b'"x","h","1","user","big:","' + b"y" * 3000 + b'"\n' + _line("after", "ok"))
    assert [e["tag"] for e in running.wait_for(1)] == ["after"]
    assert running.publisher.counters["overlong"] == 1


class Lines:
    """A StatusSink keeping (severity, message)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(("info", message))

    def warning(self, message: str) -> None:
        self.lines.append(("warning", message))

    def error(self, message: str) -> None:
        self.lines.append(("error", message))


def test_parse_errors_are_error_status_lines(pipe: Path) -> None:
    publisher = SyslogPublisher(_values(pipe))
    status = Lines()
    publisher.status = status
    runner = Running(publisher)
    try:
        _write(pipe, b"a,b\n" + _line("good", "x"))
        runner.wait_for(1)
    finally:
        runner.close()
    assert status.lines == [("error", "Received fewer fields than expected in line: a,b")]


def test_a_missing_directory_is_a_warning_then_not_a_fifo(tmp_path: Path) -> None:
    publisher = SyslogPublisher(_values(tmp_path / "missing" / "pipe"))
    status = Lines()
    publisher.status = status
    with pytest.raises(PublisherError, match="Not a FIFO file"):
        publisher.setup()
    assert [s for s, _ in status.lines] == ["warning"]
    assert "Problems encountered creating pipe" in status.lines[0][1]
