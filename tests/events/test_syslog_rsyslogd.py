"""syslog_events end to end: a real rsyslogd writes osquery's CSV template into the pipe."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostql.events.bus import EventRuntime
from hostql.events.publishers.syslog import SyslogPublisher
from hostql.events.service import EventsConfig
from hostql.events.store import EventStore, MemoryStore
from hostql.flags import default_values
from hostql.tables.events.syslog_events import SyslogEventsSubscriber, syslog_events
from hostql.testing import engine_for

pytestmark = pytest.mark.live

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
DOC = Path(__file__).resolve().parents[2] / "docs" / "syslog_events.md"
DEFAULT_PIPE = "/var/lib/hostql/syslog_pipe"


def documented_snippet() -> str:
    """The rsyslog configuration docs/syslog_events.md tells users to install."""
    text = DOC.read_text()
    start = text.index("```rsyslog\n") + len("```rsyslog\n")
    return text[start : text.index("```", start)]


def _config(base: Path) -> str:
    # A private rsyslogd: its own work directory and socket, then the documented snippet.
    snippet = documented_snippet()
    assert DEFAULT_PIPE in snippet
    return "\n".join(
        [
            f'global(workDirectory="{base / "work"}")',
            'module(load="imuxsock" SysSock.Use="off")',
            f'input(type="imuxsock" Socket="{base / "log.sock"}")',
            snippet.replace(DEFAULT_PIPE, str(base / "pipe")),
        ]
    )


class Recorder:
    """A StatusSink keeping every line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(message)

    def warning(self, message: str) -> None:
        self.lines.append(message)

    def error(self, message: str) -> None:
        self.lines.append(message)


class Session:
    """syslog_events served by the events runtime, fed by a private rsyslogd."""

    def __init__(self, base: Path) -> None:
        self.base = base
        values = default_values()
        values.set("enable_syslog", True)
        values.set("syslog_pipe_path", str(base / "pipe"))
        self.status = Recorder()
        self.store = EventStore(MemoryStore(), values, self.status, daemon=False)
        self.runtime = EventRuntime(
            values,
            self.store,
            self.status,
            [SyslogPublisher(values)],
            [SyslogEventsSubscriber(values)],
        )
        self.engine = engine_for(syslog_events, flags=values)
        self.engine.runtime.events = self.store
        self.rsyslogd: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.runtime.configure(EventsConfig())
        self.runtime.start()
        # The pipe must exist (and have a reader) before rsyslogd opens it at startup.
        deadline = time.monotonic() + 10
        while not self.runtime.publishers["syslog"].active:
            assert time.monotonic() < deadline, self.status.lines
            time.sleep(0.02)
        (self.base / "work").mkdir()
        conf = self.base / "rsyslog.conf"
        conf.write_text(_config(self.base))
        checked = subprocess.run(
            [RSYSLOGD, "-N1", "-f", str(conf)], capture_output=True, timeout=30, check=False
        )
        assert checked.returncode == 0, checked.stderr.decode()
        self.rsyslogd = subprocess.Popen(
            [RSYSLOGD, "-n", "-f", str(conf), "-i", str(self.base / "rsyslogd.pid")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not (self.base / "log.sock").exists():
            assert self.rsyslogd.poll() is None, "rsyslogd exited"
            assert time.monotonic() < deadline, "rsyslogd did not open its socket"
            time.sleep(0.02)

    def close(self) -> None:
        if self.rsyslogd is not None:
            self.rsyslogd.terminate()
            try:
                self.rsyslogd.wait(10)
            except subprocess.TimeoutExpired:
                self.rsyslogd.kill()
                self.rsyslogd.wait(5)
        self.runtime.stop(timeout=5)
        self.engine.close()

    def tagged(
        self, tag: str, count: int, timeout: float = 10.0, table: str = "syslog_events"
    ) -> list[dict[str, Any]]:
        sql = f"select * from {table} where tag like ? order by time"
        if table == "syslog_events":
            sql = "select *, eid from syslog_events where tag like ? order by eid"
        deadline = time.monotonic() + timeout
        rows = self.engine.query(sql, f"{tag}%")
        while len(rows) < count and time.monotonic() < deadline:
            time.sleep(0.05)
            rows = self.engine.query(sql, f"{tag}%")
        return rows


@pytest.fixture
def session() -> Iterator[Session]:
    if not Path(RSYSLOGD).exists():
        pytest.skip("rsyslogd is not installed (apt-get install rsyslog)")
    # Unix socket paths are limited to 108 bytes: keep the directory short.
    base = Path(tempfile.mkdtemp(prefix="hq-rsyslog-"))
    running = Session(base)
    try:
        running.start()
        yield running
    finally:
        running.close()
        shutil.rmtree(base, ignore_errors=True)


def test_logger_messages_become_rows(session: Session) -> None:
    sock = str(session.base / "log.sock")
    subprocess.run(
        ["logger", "-u", sock, "-t", "hqtest", 'hello, "quoted" world'], check=True, timeout=10
    )
    subprocess.run(
        ["logger", "-u", sock, "-p", "local3.err", "--id=4242", "-t", "hqtest2", "back\\slash"],
        check=True,
        timeout=10,
    )
    rows = session.tagged("hqtest", 2, table="syslog")
    assert len(rows) == 2, session.status.lines
    plain = next(r for r in rows if r["tag"] == "hqtest")
    assert plain["message"] == 'hello, "quoted" world'
    assert plain["severity"] == 5
    assert plain["facility"] == "user"
    assert plain["host"] == socket.gethostname().split(".")[0]
    assert plain["datetime"][:4].isdigit() and "T" in plain["datetime"]
    assert abs(plain["time"] - time.time()) < 60
    with_pid = next(r for r in rows if r["tag"] != "hqtest")
    assert with_pid["tag"] == "hqtest2[4242]"
    assert with_pid["message"] == "back\\slash"
    assert with_pid["severity"] == 3
    assert with_pid["facility"] == "local3"


def test_a_burst_of_datagrams_all_becomes_rows(session: Session) -> None:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        for i in range(500):
            client.sendto(f"<14>hqburst: message {i}".encode(), str(session.base / "log.sock"))
    finally:
        client.close()
    burst = session.tagged("hqburst", 500, timeout=20)
    assert [r["message"] for r in burst] == [f"message {i}" for i in range(500)]
    publisher = session.runtime.publishers["syslog"].publisher
    assert publisher.counters["errors"] == 0
