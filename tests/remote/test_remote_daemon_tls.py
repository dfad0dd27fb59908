"""hostqld against the TLS test server: enroll -> config -> logging, and the fault cases.

Every check reads what the server received: the result lines of the one-second query carry
a counter that grows by one per run, so a lost line shows as a gap and a resent one twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tls_pki import Pki
from tls_server import CONFIG, ENROLL, LOG, SECRET, TlsServer

RESULT_TIMEOUT = 30.0


class Hostqld:
    """A hostqld subprocess pointed at the test server."""

    def __init__(self, server: TlsServer, pki: Pki, workdir: Path, **flags: object) -> None:
        secret = workdir / "secret"
        secret.write_text(SECRET + "\n")
        settings: dict[str, object] = {
            "config_path": str(workdir / "unused.conf"),
            "database_path": str(workdir / "db" / "hostql.db"),
            "pidfile": str(workdir / "hostqld.pid"),
            "logger_path": str(workdir / "log"),
            "extensions_socket": str(workdir / "hostql.em"),
            "disable_watchdog": True,
            "disable_extensions": True,
            "disable_events": True,
            "config_plugin": "tls",
            "logger_plugin": "tls",
            "tls_hostname": server.hostname,
            "tls_server_certs": str(pki.ca),
            "enroll_secret_path": str(secret),
            "enroll_tls_endpoint": ENROLL,
            "config_tls_endpoint": CONFIG,
            "logger_tls_endpoint": LOG,
            "logger_tls_period": 1,
            "logger_tls_backoff_max": 1,
            "tls_request_timeout": 3,
            "config_tls_max_attempts": 1,
            "tls_enroll_max_attempts": 3,
            "tls_enroll_max_interval": 1,
            "schedule_splay_percent": 0,
            **flags,
        }
        self.argv = [sys.executable, "-m", "hostql", "daemon"]
        self.argv += [f"--{name}={value}" for name, value in settings.items()]
        self.stderr_path = workdir / "stderr.txt"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Hostqld:
        with open(self.stderr_path, "ab") as stderr:
            self.process = subprocess.Popen(
                self.argv, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
            )
        return self

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9

    def kill(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


@pytest.fixture
def daemons() -> Iterator[list[Hostqld]]:
    started: list[Hostqld] = []
    yield started
    for daemon in started:
        if daemon.process is not None and daemon.process.poll() is None:
            daemon.kill()


def launch(daemons: list[Hostqld], *args: Any, **flags: object) -> Hostqld:
    daemon = Hostqld(*args, **flags).start()
    daemons.append(daemon)
    return daemon


def counters(server: TlsServer) -> list[int]:
    """The counter of every result line received, in arrival order (one per added row)."""
    return [
        line["counter"]
        for line in server.log_lines("result")
        if line.get("name") == "tls_time" and line.get("action") == "added"
    ]


def assert_no_gap(found: list[int]) -> None:
    assert found, "no result lines arrived"
    missing = set(range(min(found), max(found) + 1)) - set(found)
    assert not missing, f"lines lost: counters {sorted(missing)}"


def wait_for_counter(server: TlsServer, value: int) -> None:
    assert server.wait_for(lambda: max(counters(server), default=-1) >= value, RESULT_TIMEOUT), (
        f"counter {value} never arrived (got {counters(server)[-5:]})"
    )


def test_enroll_config_and_logging(
    tls_server: TlsServer, pki: Pki, tmp_path: Path, daemons: list[Hostqld]
) -> None:
    daemon = launch(daemons, tls_server, pki, tmp_path)
    wait_for_counter(tls_server, 2)
    assert tls_server.wait_for(lambda: tls_server.log_lines("status"))
    assert daemon.stop() == 0

    enrolls = tls_server.received(ENROLL)
    assert len(enrolls) == 1
    details = enrolls[0].body["host_details"]
    assert details["osquery_info"]["build_platform"] == "linux"
    assert details["os_version"]["name"]
    key = next(iter(tls_server.node_keys))
    assert tls_server.received(CONFIG)[0].body == {"node_key": key}
    for request in tls_server.received(LOG):
        assert request.body["node_key"] == key
        assert request.headers["Authorization"] == f"NodeKey {key}"
    assert_no_gap(counters(tls_server))
    assert max(Counter(counters(tls_server)).values()) == 1
    messages = [line["message"] for line in tls_server.log_lines("status")]
    assert any("hostqld started" in m for m in messages)
    assert key not in daemon.stderr() and SECRET not in daemon.stderr()


def test_re_enrolls_when_the_server_forgets_the_node(
    tls_server: TlsServer, pki: Pki, tmp_path: Path, daemons: list[Hostqld]
) -> None:
    daemon = launch(daemons, tls_server, pki, tmp_path)
    wait_for_counter(tls_server, 1)
    tls_server.invalidate_node_keys()
    last = max(counters(tls_server))
    wait_for_counter(tls_server, last + 3)
    daemon.stop()
    assert len(tls_server.received(ENROLL)) == 2
    assert_no_gap(counters(tls_server))


def test_server_down_mid_stream_loses_nothing(
    tls_server: TlsServer, pki: Pki, tmp_path: Path, daemons: list[Hostqld]
) -> None:
    daemon = launch(daemons, tls_server, pki, tmp_path)
    wait_for_counter(tls_server, 2)
    tls_server.stop()
    time.sleep(4)
    tls_server.start()
    last = max(counters(tls_server))
    wait_for_counter(tls_server, last + 6)
    daemon.stop()
    found = counters(tls_server)
    assert_no_gap(found)
    assert max(Counter(found).values()) == 1, "no duplicates without a crash"


@pytest.mark.parametrize("fault", ["500", "garbage", "close_mid_body", "slow"])
def test_a_failing_server_loses_nothing(
    tls_server: TlsServer, pki: Pki, tmp_path: Path, daemons: list[Hostqld], fault: str
) -> None:
    daemon = launch(daemons, tls_server, pki, tmp_path)
    wait_for_counter(tls_server, 1)
    # A slow answer outlasts the 3 s request timeout once; the other faults repeat.
    tls_server.misbehave(LOG, fault, times=1 if fault == "slow" else 3, delay=4.0)
    assert tls_server.wait_for(lambda: tls_server.pending_faults(LOG) == 0, RESULT_TIMEOUT)
    wait_for_counter(tls_server, max(counters(tls_server)) + 3)
    daemon.stop()
    assert_no_gap(counters(tls_server))


def test_kill_9_mid_flush_then_restart_loses_nothing(
    tls_server: TlsServer, pki: Pki, tmp_path: Path, daemons: list[Hostqld]
) -> None:
    first = launch(daemons, tls_server, pki, tmp_path)
    wait_for_counter(tls_server, 2)
    tls_server.misbehave(LOG, "slow", delay=2.0)
    assert tls_server.wait_for(lambda: tls_server.pending_faults(LOG) == 0, RESULT_TIMEOUT)
    first.kill()  # while its flush waits on the slow server
    time.sleep(2.5)
    before = max(counters(tls_server), default=0)
    second = launch(daemons, tls_server, pki, tmp_path)
    wait_for_counter(tls_server, before + 3)
    second.stop()
    found = counters(tls_server)
    assert_no_gap(found)
    # At-least-once: only the batch in flight at the kill may arrive twice.
    assert sum(n - 1 for n in Counter(found).values()) <= 3
    assert len(tls_server.received(ENROLL)) == 1, "the node key survived the kill"


def test_a_full_spool_drops_the_oldest_and_says_so(
    tls_server: TlsServer, pki: Pki, tmp_path: Path, daemons: list[Hostqld]
) -> None:
    daemon = launch(daemons, tls_server, pki, tmp_path, buffered_log_max=4)
    wait_for_counter(tls_server, 1)
    tls_server.stop()
    time.sleep(6)
    tls_server.start()
    last = max(counters(tls_server))
    wait_for_counter(tls_server, last + 6)
    daemon.stop()
    stderr = daemon.stderr()
    assert "Delivery queue for tls_result is full (4 lines" in stderr
    found = counters(tls_server)
    gap = set(range(min(found), max(found) + 1)) - set(found)
    assert gap, "the outage overflowed the spool"
    # What was dropped is one run of the oldest lines: a single hole, nothing lost after it.
    assert max(gap) - min(gap) + 1 == len(gap)


def test_backed_up_config_runs_when_the_server_is_down_at_start(
    tls_server: TlsServer, pki: Pki, tmp_path: Path, daemons: list[Hostqld]
) -> None:
    first = launch(daemons, tls_server, pki, tmp_path, config_enable_backup=True)
    wait_for_counter(tls_server, 1)
    assert first.stop() == 0
    tls_server.stop()
    second = launch(daemons, tls_server, pki, tmp_path, config_enable_backup=True)
    time.sleep(4)
    assert second.process is not None and second.process.poll() is None, second.stderr()
    tls_server.start()
    last = max(counters(tls_server))
    wait_for_counter(tls_server, last + 2)
    second.stop()
    assert "using the backed-up config" in second.stderr()
    assert_no_gap(counters(tls_server))
