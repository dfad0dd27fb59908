"""The TLS logger: batches, log types, compression, limits, failures, backoff, pacing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tls_pki import Pki
from tls_server import ENROLL, LOG, SECRET, TlsServer

from hostql.daemon.records import StatusEntry
from hostql.daemon.state import BackingStore
from hostql.daemon.status import StatusLog
from hostql.flags import default_values
from hostql.remote.enroll import RemoteClient
from hostql.remote.spool import Spool
from hostql.remote.tls_logger import (
    REPLAY_BATCHES_PER_PERIOD,
    RESULT,
    STATUS,
    TlsLogger,
    backoff_seconds,
    log_body,
    valid_json_lines,
)
from hostql.remote.transport import Response, TlsSettings, Transport, TransportError

MakeLogger = Callable[..., TlsLogger]


def lines(count: int, start: int = 0) -> list[str]:
    return [json.dumps({"name": "q", "n": n}) for n in range(start, start + count)]


def numbers(server: TlsServer) -> list[int]:
    return [line["n"] for line in server.log_lines(RESULT)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[BackingStore]:
    opened = BackingStore.open(tmp_path / "db.sqlite")
    yield opened
    opened.close()


@pytest.fixture
def make_logger(
    tls_server: TlsServer, pki: Pki, store: BackingStore, tmp_path: Path
) -> Iterator[MakeLogger]:
    made: list[TlsLogger] = []
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    values = default_values()
    values.set("enroll_secret_path", str(secret))
    values.set("enroll_tls_endpoint", ENROLL)
    values.set("tls_enroll_max_attempts", 1)

    def make(*, spool_max_lines: int = 0, timeout: float = 5.0, **options: object) -> TlsLogger:
        status = StatusLog(to_stderr=False)
        client = RemoteClient(
            Transport(TlsSettings(tls_server.hostname, str(pki.ca), timeout=timeout)),
            store,
            values,
            status,
            identity=lambda: "host",
            details=dict,
        )
        spools = {
            kind: Spool(store, f"tls_{kind}", max_lines=spool_max_lines, max_bytes=0, status=status)
            for kind in (RESULT, STATUS)
        }
        settings: dict[str, object] = {"endpoint": LOG, "period": 0.2, **options}

        def post(endpoint: str, encode: Callable[[str], bytes], compress: bool) -> Response:
            return client.post_encoded(endpoint, encode, compress=compress)

        logger = TlsLogger(post, spools, status, **settings)  # type: ignore[arg-type]
        made.append(logger)
        return logger

    yield make
    for logger in made:
        logger.close()


def test_results_arrive_in_batches_of_at_most_max_lines(
    make_logger: MakeLogger, tls_server: TlsServer
) -> None:
    logger = make_logger(max_lines=100)
    logger.log_results(lines(250))
    assert tls_server.wait_for(lambda: len(numbers(tls_server)) == 250)
    assert numbers(tls_server) == list(range(250))
    sizes = [len(r.body["data"]) for r in tls_server.received(LOG)]
    assert max(sizes) <= 100
    body = tls_server.received(LOG)[0].body
    assert body["log_type"] == "result" and body["node_key"] in tls_server.node_keys


def test_status_lines_are_their_own_log_type(
    make_logger: MakeLogger, tls_server: TlsServer
) -> None:
    logger = make_logger(decorations=lambda: {"host": "h1"})
    logger.log_status([StatusEntry(1, "x.py", 3, "careful", 100, "host", "0.1.0")])
    assert tls_server.wait_for(lambda: tls_server.log_lines(STATUS))
    line = tls_server.log_lines(STATUS)[0]
    assert line["message"] == "careful" and line["severity"] == 1
    assert line["decorations"] == {"host": "h1"}


def test_disabled_status_log_takes_no_status(make_logger: MakeLogger) -> None:
    logger = make_logger(disable_status=True)
    assert not logger.uses_status
    logger.log_status([StatusEntry(1, "x.py", 3, "careful", 100)])
    assert logger.spools[STATUS].queued_lines == 0


def test_compressed_bodies(make_logger: MakeLogger, tls_server: TlsServer) -> None:
    logger = make_logger(compress=True)
    logger.log_results(lines(3))
    assert tls_server.wait_for(lambda: len(numbers(tls_server)) == 3)
    assert all(r.compressed for r in tls_server.received(LOG))


def test_oversized_lines_are_dropped_with_a_warning(
    make_logger: MakeLogger, tls_server: TlsServer
) -> None:
    logger = make_logger(max_linesize=30)
    big = json.dumps({"name": "q", "n": 99, "pad": "é" * 20})
    logger.log_results([*lines(1), big, *lines(1, 1)])
    assert tls_server.wait_for(lambda: len(numbers(tls_server)) == 2)
    assert logger.oversized == 1
    assert any("Linesize exceeds" in e.message for e in logger.status.drain())


@pytest.mark.parametrize("kind", ["500", "garbage", "close_mid_body", "reset", "node_invalid"])
def test_a_failed_batch_is_sent_again_and_nothing_is_lost(
    make_logger: MakeLogger, tls_server: TlsServer, kind: str
) -> None:
    logger = make_logger(backoff_max=0.2)
    tls_server.misbehave(LOG, kind, times=2)
    logger.log_results(lines(50))
    assert tls_server.wait_for(lambda: len(numbers(tls_server)) >= 50, timeout=15)
    assert numbers(tls_server) == list(range(50)), "in order, once"
    assert tls_server.wait_for(lambda: logger.spools[RESULT].stats().queued_lines == 0)
    assert logger.spools[RESULT].stats().last_error == ""


def test_a_slow_server_times_out_and_the_batch_is_retried(
    make_logger: MakeLogger, tls_server: TlsServer
) -> None:
    logger = make_logger(timeout=0.3, backoff_max=0.2)
    tls_server.misbehave(LOG, "slow", delay=1.0)
    logger.log_results(lines(5))
    assert tls_server.wait_for(lambda: len(numbers(tls_server)) >= 5, timeout=15)
    # The slow request may still have been processed by the server: at least once.
    assert set(numbers(tls_server)) == set(range(5))
    assert tls_server.wait_for(lambda: logger.failures == 0)
    assert logger.errors >= 1


def test_lines_that_are_not_json_are_dropped_after_a_rejection(
    make_logger: MakeLogger, tls_server: TlsServer
) -> None:
    logger = make_logger()
    logger.log_results([*lines(2), "{not json", *lines(2, 2)])
    assert tls_server.wait_for(lambda: len(numbers(tls_server)) == 4)
    assert numbers(tls_server) == [0, 1, 2, 3]
    assert tls_server.wait_for(lambda: logger.spools[RESULT].queued_lines == 0)


def test_undelivered_lines_wait_for_the_next_run(
    make_logger: MakeLogger, tls_server: TlsServer
) -> None:
    tls_server.stop()
    first = make_logger()
    first.log_results(lines(20))
    first.close()
    assert first.spools[RESULT].queued_lines == 20
    assert "connection refused" in first.spools[RESULT].stats().last_error
    tls_server.start()
    make_logger()
    assert tls_server.wait_for(lambda: len(numbers(tls_server)) == 20)
    assert numbers(tls_server) == list(range(20))


def test_backoff_grows_with_failures_up_to_the_maximum() -> None:
    assert backoff_seconds(4, 0, 3600) == 4
    assert [backoff_seconds(4, n, 3600) for n in (1, 2, 3)] == [4, 16, 36]
    assert backoff_seconds(4, 100, 60) == 60
    assert backoff_seconds(4, 5, 0) == 4, "0 disables backoff"


def test_log_body_is_json_around_the_lines() -> None:
    body = json.loads(log_body('k"ey', "result", ['{"a":1}', '{"b":"x"}']))
    assert body == {"node_key": 'k"ey', "log_type": "result", "data": [{"a": 1}, {"b": "x"}]}
    assert valid_json_lines([(1, "{}"), (2, "{"), (3, "[]")]) == [(1, "{}"), (3, "[]")]


def test_replay_after_an_outage_is_paced() -> None:
    store = BackingStore.in_memory()
    status = StatusLog(to_stderr=False)
    spools = {
        kind: Spool(store, f"paced_{kind}", max_lines=0, max_bytes=0, status=status)
        for kind in (RESULT, STATUS)
    }
    sent: list[int] = []
    healthy = [False]
    now = [0.0]

    def post(endpoint: str, encode: Callable[[str], bytes], compress: bool) -> Response:
        if not healthy[0]:
            raise TransportError("POST x: connection refused")
        sent.append(len(json.loads(encode("k"))["data"]))
        return Response({}, "{}")

    logger = TlsLogger(post, spools, status, endpoint=LOG, period=3600, max_lines=10,
                       clock=lambda: now[0])  # fmt: skip
    try:
        spools[RESULT].append(lines(1000))
        assert not logger.deliver()
        healthy[0] = True
        assert logger.deliver()
        assert sum(sent) == 10 * REPLAY_BATCHES_PER_PERIOD, "one period's allowance"
        now[0] += 3600
        logger.deliver()
        assert sum(sent) == 20 * REPLAY_BATCHES_PER_PERIOD
    finally:
        logger.close()
