"""hostqld end to end against the HTTPS test server: distributed reads, writes, limits, denylist."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tls_pki import Pki
from tls_server import DISTRIBUTED_READ, DISTRIBUTED_WRITE, ENROLL, SECRET, TlsServer

StartDaemon = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def hostqld(tmp_path: Path, tls_server: TlsServer, pki: Pki) -> Iterator[StartDaemon]:
    """Start hostqld against the test server (each call a new process on the same store)."""
    started: list[subprocess.Popen[bytes]] = []
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    config = tmp_path / "hostql.conf"
    config.write_text("{}")

    def start(*extra: str) -> subprocess.Popen[bytes]:
        args = [
            f"--config_path={config}",
            f"--database_path={tmp_path / 'hostql.db'}",
            f"--logger_path={tmp_path / 'log'}",
            "--disable_watchdog",
            "--disable_extensions",
            f"--tls_hostname={tls_server.hostname}",
            f"--tls_server_certs={pki.ca}",
            f"--enroll_secret_path={secret}",
            f"--enroll_tls_endpoint={ENROLL}",
            "--disable_distributed=false",
            f"--distributed_tls_read_endpoint={DISTRIBUTED_READ}",
            f"--distributed_tls_write_endpoint={DISTRIBUTED_WRITE}",
            "--distributed_interval=1",
            *extra,
        ]
        # Status lines go to a file: a pipe nobody reads would block the daemon once full.
        stderr = (tmp_path / f"hostqld-{len(started)}.stderr").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "hostql", "daemon", *args],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        stderr.close()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def writes(server: TlsServer) -> list[dict[str, Any]]:
    return [r.body for r in server.received(DISTRIBUTED_WRITE)]


def result_of(server: TlsServer, query_id: str) -> dict[str, Any] | None:
    """The first write that carries query_id: its rows, status, message and stats."""
    for body in writes(server):
        if query_id in body.get("queries", {}):
            return {
                part: body[part][query_id] for part in ("queries", "statuses", "messages", "stats")
            }
    return None


def wait_result(server: TlsServer, query_id: str, timeout: float = 30) -> dict[str, Any]:
    assert server.wait_for(lambda: result_of(server, query_id) is not None, timeout), query_id
    result = result_of(server, query_id)
    assert result is not None
    return result


def running_marks(database: Path) -> list[str]:
    """Keys of the daemon's distributed_running domain, read without disturbing it."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            rows = conn.execute("SELECT key FROM kv WHERE domain = 'distributed_running'")
            return [str(key) for (key,) in rows]
    except sqlite3.Error:
        return []


def test_a_distributed_query_arrives_runs_and_is_written(
    hostqld: StartDaemon, tls_server: TlsServer
) -> None:
    tls_server.queue_distributed(
        {"info": "select 1 as one, 'two' as two", "broken": "select * from no_such_table"},
        discovery={"broken": "select 1"},
    )
    hostqld()
    result = wait_result(tls_server, "info")
    assert result["queries"] == [{"one": "1", "two": "two"}]
    assert result["statuses"] == 0 and result["messages"] == ""
    assert set(result["stats"]) == {"wall_time_ms", "user_time", "system_time", "memory"}
    broken = result_of(tls_server, "broken")
    assert broken is not None
    assert broken["statuses"] == 1 and broken["messages"] == "no such table: no_such_table"
    [write] = tls_server.received(DISTRIBUTED_WRITE)
    assert write.body["node_key"] == tls_server.received(DISTRIBUTED_READ)[0].body["node_key"]
    assert write.headers["Content-Type"] == "application/json"


def test_discovery_keeps_a_query_from_running(hostqld: StartDaemon, tls_server: TlsServer) -> None:
    tls_server.queue_distributed(
        {"skipped": "select 1 as a", "kept": "select 2 as a"},
        discovery={"skipped": "select 1 where 0", "kept": "select 1"},
    )
    hostqld()
    assert wait_result(tls_server, "kept")["queries"] == [{"a": "2"}]
    assert result_of(tls_server, "skipped") is None


def test_a_slow_distributed_query_is_cancelled_by_the_time_limit(
    hostqld: StartDaemon, tls_server: TlsServer
) -> None:
    endless = (
        "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    )
    tls_server.queue_distributed({"slow": endless})
    hostqld("--schedule_query_timeout=2")
    result = wait_result(tls_server, "slow", timeout=25)
    assert result["statuses"] == 1
    assert "timed out after 2 s" in result["messages"]
    assert result["queries"] == []
    assert 2000 <= result["stats"]["wall_time_ms"] < 20000
    # The daemon goes on serving reads.
    tls_server.queue_distributed({"after": "select 3 as a"})
    assert wait_result(tls_server, "after")["queries"] == [{"a": "3"}]


def test_a_query_running_when_the_process_died_is_denylisted(
    hostqld: StartDaemon, tls_server: TlsServer, tmp_path: Path
) -> None:
    sql = "select sleep(60) as s"
    tls_server.queue_distributed({"crash": sql})
    first = hostqld("--schedule_query_timeout=0")
    assert tls_server.wait_for(lambda: running_marks(tmp_path / "hostql.db") != [], 30)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert result_of(tls_server, "crash") is None
    tls_server.queue_distributed({"again": sql, "other": "select 4 as a"})
    hostqld("--schedule_query_timeout=0", "--distributed_denylist_duration=3600")
    again = wait_result(tls_server, "again")
    assert again["statuses"] == 1
    assert again["messages"] == "distributed query is denylisted"
    assert again["queries"] == [] and again["stats"] == {}
    assert wait_result(tls_server, "other")["queries"] == [{"a": "4"}]


def test_accelerate_polls_every_five_seconds(hostqld: StartDaemon, tls_server: TlsServer) -> None:
    tls_server.queue_distributed({"a": "select 1 as a"}, accelerate=60)
    hostqld("--distributed_interval=60")
    wait_result(tls_server, "a")
    reads = lambda: tls_server.received(DISTRIBUTED_READ)  # noqa: E731
    assert tls_server.wait_for(lambda: len(reads()) >= 2, 15)
    gap = reads()[1].time - reads()[0].time
    assert 3 <= gap <= 9


def test_read_body_carries_the_node_key(hostqld: StartDaemon, tls_server: TlsServer) -> None:
    hostqld()
    assert tls_server.wait_for(lambda: len(tls_server.received(DISTRIBUTED_READ)) >= 1)
    read = tls_server.received(DISTRIBUTED_READ)[0]
    assert read.body == {"node_key": read.body["node_key"]}
    assert read.body["node_key"] in tls_server.node_keys
    assert json.loads(read.raw) == read.body
