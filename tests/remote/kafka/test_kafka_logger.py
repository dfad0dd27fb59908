"""The kafka_producer logger: osquery's settings, topics and key, read back from a real broker."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("confluent_kafka")

from kafka_brokers import Tansu, consume

from hostql.daemon.records import StatusEntry
from hostql.daemon.state import BackingStore
from hostql.daemon.status import StatusLog
from hostql.flags import FlagValues, default_values
from hostql.remote.kafka_logger import (
    KafkaLogger,
    KafkaSettings,
    line_name,
    parse_properties,
    topic_routes,
)
from hostql.remote.spool import Spool

HOST = "web01"
KEY = b"web01_osqueryd"


def flag_values(bootstrap: str = "127.0.0.1:9", **flags: object) -> FlagValues:
    values = default_values()
    values.set("logger_kafka_brokers", bootstrap)
    for name, value in flags.items():
        values.set(name, value)
    return values


class Harness:
    """A KafkaLogger over a store file, with the status lines it wrote kept for assertions."""

    def __init__(self, store: BackingStore, values: FlagValues, **kwargs: object) -> None:
        self.stream = io.StringIO()
        self.status = StatusLog(stream=self.stream)
        caps = {"max_lines": int(kwargs.pop("max_lines", 0)), "max_bytes": 0}
        self.results = Spool(store, "kafka_producer", status=self.status, **caps)
        self.statuses = Spool(store, "kafka_producer_status", status=self.status, **caps)
        self.logger = KafkaLogger(
            values, self.results, self.statuses, self.status, hostname=HOST, **kwargs
        )  # type: ignore[arg-type]


@pytest.fixture
def harnesses() -> Iterator[list[Harness]]:
    made: list[Harness] = []
    yield made
    for harness in made:
        harness.logger.close(timeout=1)


def start(harnesses: list[Harness], values: FlagValues, **kwargs: object) -> Harness:
    harness = Harness(BackingStore.in_memory(), values, **kwargs)
    harnesses.append(harness)
    return harness


def event_line(name: str, i: int) -> str:
    return json.dumps(
        {"name": name, "hostIdentifier": HOST, "unixTime": 1_700_000_000 + i, "counter": i,
         "columns": {"name": f"proc{i}", "pid": str(i)}, "action": "added"},
        separators=(",", ":"),
    )  # fmt: skip


# -- settings, routing and names: no broker needed ------------------------------------------------


def test_producer_config_is_osquerys_plus_loss_free_delivery() -> None:
    values = flag_values("b1:9092,b2", logger_kafka_acks="1", logger_kafka_compression="gzip")
    config = KafkaSettings.from_flags(values, HOST).producer_config()
    assert config["bootstrap.servers"] == "b1:9092,b2"
    assert config["client.id"] == HOST
    assert config["acks"] == "1" and config["compression.codec"] == "gzip"
    assert config["enable.idempotence"] is False  # needs acks=all
    assert config["message.timeout.ms"] == 0
    assert "security.protocol" not in config and "debug" not in config
    config = KafkaSettings.from_flags(flag_values(), HOST).producer_config()
    assert config["acks"] == "all" and config["enable.idempotence"] is True
    assert config["compression.codec"] == "none"


def test_ssl_brokers_use_the_tls_flags_and_extra_properties_win() -> None:
    values = flag_values(
        "SSL://broker:9093",
        tls_server_certs="/ca.pem",
        tls_client_key="/key.pem",
        logger_kafka_properties="linger.ms=50, enable.idempotence=false,junk",
        verbose=True,
    )
    config = KafkaSettings.from_flags(values, HOST).producer_config()
    assert config["security.protocol"] == "ssl"
    assert config["ssl.ca.location"] == "/ca.pem" and config["ssl.key.location"] == "/key.pem"
    assert "ssl.certificate.location" not in config  # empty values are not set, as osquery
    assert config["ssl.cipher.suites"].endswith("!aNULL:!MD5:!CBC:!SHA")
    assert config["linger.ms"] == "50" and config["enable.idempotence"] == "false"
    assert config["debug"] == "all"
    assert parse_properties("a=1,,b = x=y, c") == {"a": "1", "b": "x=y"}


def test_topic_routes_map_query_names_and_skip_malformed_entries() -> None:
    routes, warnings = topic_routes({"t1": ["q1", "pack_p_q2"], "t2": ["q1", "", 7], "bad": "q3"})
    assert routes == {"q1": "t2", "pack_p_q2": "t1"}  # a name under two topics: the last
    assert len(warnings) == 3


def test_line_name_reads_the_top_level_name_only() -> None:
    assert line_name(event_line("pack_p_q", 1)) == "pack_p_q"
    batch = '{"diffResults":{"removed":[],"added":[{"name":"sshd"}]},"name":"procs","epoch":0}'
    assert line_name(batch) == "procs"
    assert line_name('{"name":"a\\"b","x":1}') == 'a"b'
    assert line_name("not json") == "" and line_name("[1]") == "" and line_name('{"x":1}') == ""


def test_status_logs_are_taken_only_with_a_status_topic(harnesses: list[Harness]) -> None:
    values = flag_values(logger_min_status=1)
    harness = start(harnesses, values, ready=lambda: False)
    entry = StatusEntry(2, "x.py", 1, "boom", 1_700_000_000, HOST, "1.0")
    assert not harness.logger.uses_status
    harness.logger.log_status([entry])
    assert harness.statuses.stats().queued_lines == 0
    values.set("logger_kafka_status_topic", "status")
    assert harness.logger.uses_status
    harness.logger.log_status([entry, StatusEntry(0, "x.py", 2, "hi", 1, HOST, "1.0")])
    [(_, line)] = harness.statuses.peek(10, 0)
    assert json.loads(line)["message"] == "boom" and json.loads(line)["severity"] == 2


def test_a_bad_codec_is_an_error_and_lines_stay_spooled(harnesses: list[Harness]) -> None:
    harness = start(harnesses, flag_values(logger_kafka_compression="bogus"))
    harness.logger.log_results(["x"])
    deadline = time.monotonic() + 5
    while not harness.logger.errors and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "Could not initiate Kafka producer handle" in harness.stream.getvalue()
    assert "compression.codec" in harness.logger.last_error
    assert harness.results.stats().queued_lines == 1
    assert harness.results.stats().last_error.startswith("Could not initiate")


# -- against a real broker (Tansu) -----------------------------------------------------------------


@pytest.mark.live
def test_every_line_arrives_once_in_order_with_osquerys_key(
    tansu: Tansu, harnesses: list[Harness]
) -> None:
    harness = start(harnesses, flag_values(tansu.bootstrap, logger_kafka_topic="results"))
    lines = [event_line("q", i) for i in range(20_000)]
    for i in range(0, len(lines), 100):
        (harness.logger.log_results if i % 200 else harness.logger.log_snapshots)(
            lines[i : i + 100]
        )
    assert harness.logger.wait_idle(30)
    got = consume(tansu.bootstrap, "results", count=len(lines))
    assert [value for _, value in got] == lines
    assert {key for key, _ in got} == {KEY}
    assert harness.logger.delivered == len(lines) and harness.logger.errors == 0


@pytest.mark.live
def test_kafka_topics_route_queries_and_the_base_topic_takes_the_rest(
    tansu: Tansu, harnesses: list[Harness]
) -> None:
    topics = {"procs": ["pack_it_processes"], "users": ["users", "logins"]}
    values = flag_values(tansu.bootstrap, logger_kafka_topic="base")
    harness = start(harnesses, values, kafka_topics=lambda: topics)
    names = ["pack_it_processes", "users", "logins", "other", "pack_it_processes"]
    lines = [event_line(name, i) for i, name in enumerate(names)]
    harness.logger.log_results(lines)
    assert harness.logger.wait_idle(20)
    assert [v for _, v in consume(tansu.bootstrap, "procs", count=2)] == [lines[0], lines[4]]
    assert [v for _, v in consume(tansu.bootstrap, "users", count=2)] == lines[1:3]
    assert [v for _, v in consume(tansu.bootstrap, "base", count=1)] == [lines[3]]


@pytest.mark.live
def test_lines_without_a_topic_are_dropped_with_an_error(
    tansu: Tansu, harnesses: list[Harness]
) -> None:
    topics = {"procs": ["procs"]}
    harness = start(harnesses, flag_values(tansu.bootstrap), kafka_topics=lambda: topics)
    harness.logger.log_results([event_line("procs", 1), event_line("nowhere", 2)])
    assert harness.logger.wait_idle(20)
    assert harness.logger.dropped == 1
    assert "Topic not configured for message name 'nowhere'" in harness.stream.getvalue()
    assert [v for _, v in consume(tansu.bootstrap, "procs", count=1)] == [event_line("procs", 1)]


@pytest.mark.live
def test_status_lines_go_to_their_own_topic(tansu: Tansu, harnesses: list[Harness]) -> None:
    values = flag_values(
        tansu.bootstrap, logger_kafka_topic="results", logger_kafka_status_topic="status"
    )
    harness = start(harnesses, values, decorations=lambda: {"host_uuid": "u1"})
    harness.logger.log_status([StatusEntry(1, "kafka.py", 7, "careful", 1_700_000_000, HOST, "1")])
    harness.logger.log_results([event_line("q", 1)])
    assert harness.logger.wait_idle(20)
    [(key, value)] = consume(tansu.bootstrap, "status", count=1)
    status = json.loads(value)
    assert key == KEY
    assert (status["severity"], status["filename"], status["line"]) == (1, "kafka.py", 7)
    assert status["message"] == "careful" and status["decorations"] == {"host_uuid": "u1"}
    assert [v for _, v in consume(tansu.bootstrap, "results", count=1)] == [event_line("q", 1)]


@pytest.mark.live
@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_every_compression_codec_round_trips(
    tansu: Tansu, harnesses: list[Harness], codec: str
) -> None:
    values = flag_values(tansu.bootstrap, logger_kafka_topic="c", logger_kafka_compression=codec)
    harness = start(harnesses, values)
    lines = [event_line("q", i) for i in range(2_000)]
    harness.logger.log_results(lines)
    assert harness.logger.wait_idle(20)
    assert [v for _, v in consume(tansu.bootstrap, "c", count=len(lines))] == lines


@pytest.mark.live
@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_every_acks_setting_delivers(tansu: Tansu, harnesses: list[Harness], acks: str) -> None:
    values = flag_values(tansu.bootstrap, logger_kafka_topic="a", logger_kafka_acks=acks)
    harness = start(harnesses, values)
    lines = [event_line("q", i) for i in range(500)]
    harness.logger.log_results(lines)
    assert harness.logger.wait_idle(20)
    assert [v for _, v in consume(tansu.bootstrap, "a", count=len(lines))] == lines


@pytest.mark.live
def test_the_daemon_logs_scheduled_results_to_kafka(tansu: Tansu, tmp_path: Path) -> None:
    from hostql.daemon.runtime import Daemon

    config = {
        "schedule": {"numbers": {"query": "select 1 as one, 'a' as two", "interval": 10}},
        "kafka_topics": {"numbers_topic": ["numbers"]},
    }
    (tmp_path / "hostql.conf").write_text(json.dumps(config))
    values = flag_values(
        tansu.bootstrap,
        config_path=str(tmp_path / "hostql.conf"),
        database_path=str(tmp_path / "db" / "hostql.db"),
        logger_plugin="kafka_producer",
        disable_watchdog=True,
    )
    daemon = Daemon(values, StatusLog(stream=io.StringIO()))
    try:
        daemon.load_config(first=True)
        daemon.runner.run(daemon.schedule[0], now=1000)
        daemon.delivery.wait()
        [logger] = daemon.delivery.loggers
        assert isinstance(logger, KafkaLogger) and logger.wait_idle(20)
    finally:
        daemon.shutdown()
    [(key, value)] = consume(tansu.bootstrap, "numbers_topic", count=1)
    line = json.loads(value)
    assert line["name"] == "numbers" and line["columns"] == {"one": "1", "two": "a"}
    assert key == f"{daemon.engine.host.identity.hostname()}_osqueryd".encode()
