"""syslog_events: its spec, the subscriber's rows, and lines written to the pipe read by SQL."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostql.events.bus import EventRuntime
from hostql.events.publishers.syslog import SyslogPublisher
from hostql.events.service import EventsConfig
from hostql.events.store import CHECKPOINT, EventStore, MemoryStore
from hostql.flags import FlagValues, default_values
from hostql.sql.engine import Engine
from hostql.tables.events.syslog_events import SyslogEventsSubscriber, syslog_events
from hostql.testing import engine_for, run_table


class Status:
    """A StatusSink keeping every line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(message)

    def warning(self, message: str) -> None:
        self.lines.append(message)

    def error(self, message: str) -> None:
        self.lines.append(message)


def test_spec_matches_osquery(reference_tables: dict[str, dict[str, Any]]) -> None:
    ref = reference_tables["syslog_events"]
    assert syslog_events.create_table_sql(osquery_only=True) == ref["create_table_sql_on_linux"]
    assert syslog_events.aliases == ("syslog",)
    assert syslog_events.evented


def test_subscriber_row_has_the_six_fields() -> None:
    subscriber = SyslogEventsSubscriber(default_values())
    event = {
        "datetime": "2024-05-01T10:00:00+00:00",
        "host": "box",
        "severity": "4",
        "facility": "auth",
        "tag": "sshd[99]",
        "message": "Accepted publickey",
    }
    assert list(subscriber.rows(event)) == [{**event, "severity": 4}]
    assert next(iter(subscriber.rows({**event, "severity": "x"})))["severity"] is None


def test_subscriber_uses_the_syslog_retention_flags(tmp_path: Path) -> None:
    values = default_values()
    values.set("syslog_events_max", 1)
    status = Status()
    store = EventStore(MemoryStore(), values, status, daemon=False)
    subscriber = SyslogEventsSubscriber(values)
    EventRuntime(values, store, status, [], [subscriber])
    row = {"datetime": "", "host": "", "severity": 1, "facility": "", "tag": "", "message": ""}
    # Batches are trimmed every CHECKPOINT rows; events_max (50000) would keep them all.
    store.add("syslog_events", [(1000 + i, dict(row)) for i in range(CHECKPOINT)])
    assert store.stats("syslog_events")["buffered"] == 1
    assert any("Removed" in line and "syslog.syslog_events" in line for line in status.lines)


def test_table_warns_when_events_are_not_running() -> None:
    flags = {"disable_events": True}
    assert run_table(syslog_events, flags=flags) == []


class Running:
    """syslog_events over the runtime, with its pipe in a temporary directory."""

    def __init__(self, values: FlagValues) -> None:
        self.status = Status()
        self.store = EventStore(MemoryStore(), values, self.status, daemon=False)
        self.runtime = EventRuntime(
            values,
            self.store,
            self.status,
            [SyslogPublisher(values)],
            [SyslogEventsSubscriber(values)],
        )
        self.engine: Engine = engine_for(syslog_events, flags=values)
        self.engine.runtime.events = self.store
        self.runtime.configure(EventsConfig())
        self.runtime.start()
        deadline = time.monotonic() + 5
        while not self.runtime.publishers["syslog"].active:
            assert time.monotonic() < deadline, self.status.lines
            time.sleep(0.02)

    def rows(self, sql: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        found = self.engine.query(sql)
        while len(found) < count and time.monotonic() < deadline:
            time.sleep(0.05)
            found = self.engine.query(sql)
        return found

    def close(self) -> None:
        self.runtime.stop(timeout=5)
        self.engine.close()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    values = default_values()
    values.set("enable_syslog", True)
    values.set("syslog_pipe_path", str(tmp_path / "pipe"))
    made = Running(values)
    yield made
    made.close()


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def test_lines_in_the_pipe_become_rows(running: Running, tmp_path: Path) -> None:
    _write(
        tmp_path / "pipe",
        b'"2024-05-01T10:00:00.123+00:00","box","6","daemon","cron[1]:"," job ran"\n'
        b'"2024-05-01T10:00:01.456+00:00","box","2","kern","kernel:"," oops, ""quoted"""\n',
    )
    rows = running.rows("select * from syslog_events order by datetime", 2)
    assert [(r["tag"], r["severity"], r["facility"], r["message"]) for r in rows] == [
        ("cron[1]", 6, "daemon", "job ran"),
        ("kernel", 2, "kern", 'oops, "quoted"'),
    ]
    assert all(abs(r["time"] - time.time()) < 60 for r in rows)
    now = int(time.time())
    assert len(running.engine.query(f"select * from syslog_events where time >= {now - 60}")) == 2
    assert running.engine.query(f"select * from syslog_events where time > {now + 60}") == []
    alias = running.engine.query("select tag from syslog where severity <= 2")
    assert alias == [{"tag": "kernel"}]
