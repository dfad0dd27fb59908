"""The kafka_producer logger: result lines to Kafka topics through the durable spool.

Lines are spooled on arrival; one thread sends the oldest in batches with confluent-kafka
(librdkafka, as osquery's plugin) and acks the spool only through lines the broker confirmed,
so delivery is at-least-once and in order, across broker outages and daemon restarts.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from hostql.daemon.loggers import UnknownLoggerError
from hostql.daemon.loggers.base import Logger
from hostql.daemon.records import StatusEntry, status_json
from hostql.remote.spool import Pacer, Spool, attach_runtime

if TYPE_CHECKING:
    from confluent_kafka import KafkaError, Producer

    from hostql.daemon.runtime import Daemon
    from hostql.daemon.status import StatusLog
    from hostql.flags import FlagValues

RESULTS_SINK, STATUS_SINK = "kafka_producer", "kafka_producer_status"
# osquery's kTLSCiphers, used when a broker URL asks for ssl://.
TLS_CIPHERS = (
    "ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:ECDH+3DES:"
    "DH+3DES:RSA+AESGCM:RSA+AES:RSA+3DES:!aNULL:!MD5:!CBC:!SHA"
)
BATCH_LINES = 10_000
BATCH_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
CLOSE_SECONDS = 5.0
STALLED_SECONDS = 2.0
STUCK_SECONDS = 10.0
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
# One ERROR per kind of failure per this many seconds: each ERROR is itself a status line.
REPORT_SECONDS = 60.0
# Delivery errors that no retry can fix: the line is dropped, counted and reported.
PERMANENT_ERRORS = frozenset(
    {
        "MSG_SIZE_TOO_LARGE",
        "_MSG_SIZE_TOO_LARGE",
        "INVALID_MSG",
        "INVALID_RECORD",
        "RECORD_LIST_TOO_LARGE",
        "INVALID_TOPIC_EXCEPTION",
        "TOPIC_AUTHORIZATION_FAILED",
        "_INVALID_ARG",
    }
)
_quiet = logging.getLogger("hostql.kafka.librdkafka")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


@dataclass(frozen=True, slots=True)
class KafkaSettings:
    """What the producer is built from: osquery's flags plus hostql's extra properties."""

    brokers: str
    acks: str
    compression: str
    client_id: str
    verbose: bool = False
    server_certs: str = ""
    client_key: str = ""
    client_cert: str = ""
    properties: tuple[tuple[str, str], ...] = ()
    idempotent: bool = True

    @classmethod
    def from_flags(cls, values: FlagValues, client_id: str) -> KafkaSettings:
        """Settings from the logger_kafka_* and tls_* flags as they stand now."""
        return cls(
            brokers=str(values["logger_kafka_brokers"]),
            acks=str(values["logger_kafka_acks"]),
            compression=str(values["logger_kafka_compression"]),
            client_id=client_id,
            verbose=bool(values["verbose"]),
            server_certs=str(values["tls_server_certs"]),
            client_key=str(values["tls_client_key"]),
            client_cert=str(values["tls_client_cert"]),
            properties=tuple(parse_properties(str(values["logger_kafka_properties"])).items()),
        )

    def producer_config(self) -> dict[str, Any]:
        """The librdkafka configuration osquery's plugin sets, plus hostql's delivery needs."""
        config: dict[str, Any] = {}
        if self.verbose:
            config["debug"] = "all"
        if "ssl://" in self.brokers.lower():
            config["security.protocol"] = "ssl"
            config["ssl.cipher.suites"] = TLS_CIPHERS
            config["ssl.ca.location"] = self.server_certs
            config["ssl.key.location"] = self.client_key
            config["ssl.certificate.location"] = self.client_cert
        config["client.id"] = self.client_id
        config["bootstrap.servers"] = self.brokers
        config["compression.codec"] = self.compression
        config["acks"] = self.acks
        # Idempotence needs acks=all; it keeps librdkafka's own retries free of duplicates.
        config["enable.idempotence"] = self.idempotent and self.acks.strip() in ("all", "-1")
        # Never give up on a line: the spool, not a timeout, decides what is lost.
        config["message.timeout.ms"] = 0
        config.update(self.properties)
        # osquery skips empty values rather than setting them.
        return {key: value for key, value in config.items() if value != ""}


def parse_properties(text: str) -> dict[str, str]:
    """--logger_kafka_properties: comma-separated key=value librdkafka properties."""
    found: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if item.strip() and sep and key.strip():
            found[key.strip()] = value.strip()
    return found


def topic_routes(kafka_topics: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The config's {"topic": ["query", ...]} as query name -> topic, and what was skipped."""
    routes: dict[str, str] = {}
    warnings: list[str] = []
    for topic, names in kafka_topics.items():
        if not isinstance(names, list):
            warnings.append(f"Query names for topic {topic} must be in JSON array format")
            continue
        for name in names:
            if not isinstance(name, str) or not name:
                warnings.append("Query names for a topic must be in JSON array format")
                continue
            routes[name] = topic  # a name under several topics goes to the last, as osquery
    return routes, warnings


def line_name(line: str) -> str:
    """The top-level "name" of a result line ('' if it has none), as osquery's getMsgName."""
    if line.startswith('{"name":"'):
        # Event-format lines start with their name: read just that string.
        with contextlib.suppress(ValueError, IndexError):
            return str(json.decoder.scanstring(line, 9)[0])  # type: ignore[attr-defined]
    try:
        name = json.loads(line).get("name")
    except (ValueError, AttributeError):
        return ""
    return name if isinstance(name, str) else ""


class KafkaLogger(Logger):
    """Results (and, if a status topic is set, status) to Kafka, loss-free through spools."""

    name = "kafka_producer"
    # Lines are appended to the spool on the scheduler's thread (see daemon/delivery.py).
    durable = True

    def __init__(
        self,
        values: FlagValues,
        results: Spool,
        statuses: Spool,
        status: StatusLog,
        *,
        hostname: str,
        kafka_topics: Callable[[], Mapping[str, Any]] = dict,
        ready: Callable[[], bool] = lambda: True,
        decorations: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        super().__init__(int(values["logger_min_status"]))
        self.values = values
        self.results = results
        self.statuses = statuses
        self.status = status
        self.hostname = hostname
        # osquery's message key: "<hostname>_<binary>", the daemon being osqueryd.
        self.key = f"{hostname}_osqueryd".encode()
        self.kafka_topics = kafka_topics
        self.ready = ready
        self.decorations = decorations
        self.delivered = 0
        self.dropped = 0
        self.pacer = Pacer(int(values["logger_kafka_replay_lines"]), 1.0)
        self._producer: Producer | None = None
        self._settings: KafkaSettings | None = None
        self._failed_settings: KafkaSettings | None = None
        self._idempotent = True
        self._broker_error = ""
        self._reported: dict[str, float] = {}
        self._routes: tuple[int, dict[str, str]] = (0, {})
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._deadline = 0.0
        self._thread = threading.Thread(target=self._run, name="hostql-kafka", daemon=True)
        self._thread.start()

    @property
    def uses_status(self) -> bool:  # type: ignore[override]
        """Status logs go to Kafka only when --logger_kafka_status_topic names a topic."""
        return bool(self.values["logger_kafka_status_topic"])

    # -- the Logger API: spool and return ------------------------------------------------------

    def log_results(self, lines: Sequence[str]) -> None:
        """Spool result lines (durable on return) for the sender."""
        self._spool(self.results, lines)

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """Spool status lines (osquery's JSON status format) for the status topic."""
        if not self.uses_status:
            return
        top_level = bool(self.values["decorations_top_level"])
        decorations = self.decorations()
        lines = [status_json(e, decorations, top_level=top_level) for e in self.wanted(entries)]
        self._spool(self.statuses, lines)

    def _spool(self, spool: Spool, lines: Sequence[str]) -> None:
        if not lines:
            return
        try:
            spool.append(lines)
        except Exception as exc:  # a failing store must not stop the daemon
            self.record_error(f"cannot spool {len(lines)} lines: {exc}")
            return
        self._wake.set()

    def flush(self) -> None:
        """Spooled lines are already durable: just wake the sender."""
        self._wake.set()

    def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """Deliver what the broker takes within timeout; the rest waits in the spool."""
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout + 2.0)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until both spools are empty (for tests and benchmarks); whether they are."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.results.queued_lines and not self.statuses.queued_lines:
                return True
            time.sleep(0.01)
        return False

    # -- the sender thread ----------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not (self._stop.is_set() and time.monotonic() >= self._deadline):
            sent = failed = False
            if self.ready() and self._current_producer() is not None:
                for spool in (self.results, self.statuses):
                    outcome = self._send_batch(spool)
                    sent |= outcome is True
                    failed |= outcome is False
            idle = not self.results.queued_lines and not self.statuses.queued_lines
            if self._stop.is_set() and (idle or self._producer is None):
                break  # what is left waits in the spool for the next start
            if failed:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
            else:
                failures = 0
                delay = self.pacer.wait_seconds() if sent else 1.0
            if self._stop.is_set():
                delay = min(delay, max(0.0, self._deadline - time.monotonic()))
            if delay:
                self._wake.wait(delay)
                self._wake.clear()
        self._discard_producer()

    def _current_producer(self) -> Producer | None:
        """The producer for the current flags (rebuilt when they change), or None."""
        settings = replace(
            KafkaSettings.from_flags(self.values, self.hostname), idempotent=self._idempotent
        )
        if self._producer is not None and settings != self._settings:
            self._discard_producer()
        if self._producer is None and settings != self._failed_settings:
            self._producer = self._build(settings)
        return self._producer

    def _build(self, settings: KafkaSettings) -> Producer | None:
        from confluent_kafka import KafkaException, Producer

        config = settings.producer_config()
        config["error_cb"] = self._on_error
        if not settings.verbose:
            config["logger"] = _quiet
        try:
            producer = Producer(config)
        except (KafkaException, ValueError, TypeError) as exc:
            self._failed_settings = settings
            message = f"Could not initiate Kafka producer handle: {_error_text(exc)}"
            self.record_error(message)
            self.results.set_error(message)
            self.status.error(message)
            return None
        self._settings, self._failed_settings = settings, None
        return producer

    def _discard_producer(self) -> None:
        """Drop the producer; lines it still held stay in the spool and are sent again."""
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                producer.purge()
                producer.poll(0)

    def _on_error(self, error: KafkaError) -> None:
        """librdkafka's error callback (on the sender thread, from poll)."""
        self._broker_error = _error_text(error)
        self.record_error(f"Kafka: {self._broker_error}")
        if error.fatal():
            self._fatal(self._broker_error)

    def _fatal(self, text: str) -> None:
        """A fatal error ends the producer: the next round builds one and resends what's left."""
        self._producer = None
        if self._idempotent and "idempotent producer not supported" in text.lower():
            # A broker before 0.11 (InitProducerId unknown): produce without idempotence.
            self._idempotent = False
            message = f"Kafka broker refuses idempotent producing: {text}"
            self._report("idempotence", message, warning=True)
        else:
            self._report("fatal", f"Kafka producer failed: {text}")

    def _fixed_topic(self, spool: Spool) -> str | None:
        """The topic of every line of spool, or None when the config routes them by name."""
        if spool is self.statuses:
            return str(self.values["logger_kafka_status_topic"])
        return None if self.kafka_topics() else str(self.values["logger_kafka_topic"])

    def _topic_for(self, line: str, spool: Spool) -> str:
        if spool is self.statuses:
            return str(self.values["logger_kafka_status_topic"])
        base = str(self.values["logger_kafka_topic"])
        topics = self.kafka_topics()
        if not topics:
            return base
        if self._routes[0] != id(topics):
            routes, warnings = topic_routes(topics)
            for warning in dict.fromkeys(warnings):
                self.status.warning(warning)
            self._routes = (id(topics), routes)
        return self._routes[1].get(line_name(line), base)

    def _send_batch(self, spool: Spool) -> bool | None:
        """Send the spool's oldest lines and ack what the broker confirmed; None if idle."""
        allowance = self.pacer.allowance() if spool is self.results else None
        producer = self._producer
        if allowance == 0 or producer is None:
            return None
        batch = spool.peek(min(BATCH_LINES, allowance or BATCH_LINES), BATCH_BYTES)
        if not batch:
            if spool is self.results:
                self.pacer.drained()
            return None
        from confluent_kafka import KafkaException

        reports = _Reports()
        skipped: dict[int, str] = {}
        handed = attempted = 0
        # Without per-query routes every line goes to one topic: no lookup per line.
        fixed = self._fixed_topic(spool)
        produce, key, report = producer.produce, self.key, reports.report
        for sequence, line in batch:
            topic = fixed if fixed is not None else self._topic_for(line, spool)
            attempted += 1
            if not topic:
                skipped[sequence] = f"Topic not configured for message name '{line_name(line)}'"
                continue
            try:
                produce(topic, value=line, key=key, on_delivery=report)
            except (BufferError, KafkaException):
                refused = self._produce(producer, topic, line, report)
                if refused is None:
                    attempted -= 1
                    break  # a passing failure: what follows is sent again next round
                if refused:
                    skipped[sequence] = refused
                    continue
            handed += 1
        reported, progress_at = 0, time.monotonic()
        while self._producer is producer and reports.count < handed:
            try:
                producer.poll(0.05)
            except Exception as exc:  # confluent-kafka raises fatal errors out of poll
                self._fatal(_error_text(exc))
                break
            now = time.monotonic()
            if self._stop.is_set() and now >= self._deadline:
                break
            if reports.count > reported:
                reported, progress_at = reports.count, now
            elif now - progress_at > STUCK_SECONDS:
                # No report for long: a fresh producer (new producer id, new connections)
                # gets past a broker that lost our producer state; unreported lines go again.
                self._broker_error = f"no delivery report for {STUCK_SECONDS:.0f} s"
                self._discard_producer()
            elif now - progress_at > STALLED_SECONDS and self._broker_error:
                # The broker is unreachable: say so while librdkafka keeps retrying.
                spool.set_error(self._broker_error)
                self.pacer.failed()
        sent = batch[:attempted]
        errors = reports.errors(sent, skipped)
        # A failure that names no line leaves the batch unsettled, as a missing report does.
        complete = reports.count >= handed and len(errors) == len(reports.failures)
        return self._settle(spool, batch, sent, errors, skipped, complete)

    def _produce(self, producer: Producer, topic: str, line: str, report: Any) -> str | None:
        """Hand one line to librdkafka: '' if taken, why if it never can be, None to retry."""
        from confluent_kafka import KafkaException

        while True:
            try:
                producer.produce(topic, value=line.encode(), key=self.key, on_delivery=report)
                return ""
            except BufferError:
                producer.poll(0.1)  # librdkafka's local queue is full: let it drain
            except KafkaException as exc:
                error = exc.args[0] if exc.args else None
                if error is not None and error.name() in PERMANENT_ERRORS:
                    return _error_text(exc)
                self._broker_error = _error_text(exc)
                if error is not None and error.fatal():
                    self._fatal(self._broker_error)
                return None

    def _settle(
        self,
        spool: Spool,
        batch: list[tuple[int, str]],
        sent: list[tuple[int, str]],
        errors: Mapping[int, KafkaError],
        skipped: Mapping[int, str],
        complete: bool,
    ) -> bool:
        """Ack through the last line delivered in order; whether the whole batch went.

        sent is the part of batch handed over or skipped; complete, whether every line
        handed over has its delivery report (errors holds the failed ones).
        """
        through = None
        settled = 0
        dropped: list[str] = []
        last, pending = batch[-1][0], sent
        if complete and not errors and not skipped and len(sent) == len(batch):
            through, settled, pending = last, len(batch), []  # the usual case: all delivered
        for sequence, _ in pending:
            if sequence in skipped:
                dropped.append(skipped[sequence])
            elif (error := errors.get(sequence)) is not None:
                if error.name() not in PERMANENT_ERRORS:
                    if error.name() not in ("_PURGE_QUEUE", "_PURGE_INFLIGHT"):
                        self._broker_error = _error_text(error)
                    break
                dropped.append(_error_text(error))
            elif not complete:
                break  # which lines the missing reports belong to is unknown
            through = sequence
            settled += 1
        # Counted before the ack, so whoever sees an empty spool sees the count too.
        self.delivered += settled - len(dropped)
        if through is not None:
            spool.ack(through)
        done = through == last
        if dropped:
            self.dropped += len(dropped)
            self._report("drop", f"Could not publish {len(dropped)} lines: {dropped[0]}")
        if done:
            spool.set_error("")
            self._broker_error = ""
            if spool is self.results:
                self.pacer.sent(len(batch))
        else:
            spool.set_error(self._broker_error or "Kafka delivery failed")
            self.pacer.failed()
        return done

    def _report(self, kind: str, message: str, *, warning: bool = False) -> None:
        self.record_error(message)
        now = time.monotonic()
        if now - self._reported.get(kind, -REPORT_SECONDS) >= REPORT_SECONDS:
            self._reported[kind] = now
            (self.status.warning if warning else self.status.error)(message)


class _Reports:
    """One batch's delivery reports: how many came, and the failed lines' errors and payloads.

    One callback for all lines instead of one per line (the sender's main cost after produce).
    """

    __slots__ = ("count", "failures")

    def __init__(self) -> None:
        self.count = 0
        self.failures: list[tuple[KafkaError, bytes]] = []

    def report(self, error: KafkaError | None, message: Any) -> None:
        """librdkafka's delivery report for one line (from poll, on the sender thread)."""
        self.count += 1
        if error is not None:
            self.failures.append((error, message.value() or b""))

    def errors(
        self, sent: list[tuple[int, str]], skipped: Mapping[int, str]
    ) -> dict[int, KafkaError]:
        """The failed lines' sequences and errors."""
        if not self.failures:
            return {}
        # A report names its line by payload: identical lines are interchangeable, and pinning
        # a failure on the earliest of them never acks a line that was not delivered.
        waiting: dict[bytes, deque[int]] = {}
        for sequence, line in sent:
            if sequence not in skipped:
                waiting.setdefault(line.encode(), deque()).append(sequence)
        found: dict[int, KafkaError] = {}
        for error, payload in self.failures:
            if sequences := waiting.get(payload):
                found[sequences.popleft()] = error
        return found


def _error_text(error: object) -> str:
    inner = error.args[0] if isinstance(error, Exception) and error.args else error
    describe = getattr(inner, "str", None)
    return str(describe()) if callable(describe) else str(inner)


def from_daemon(daemon: Daemon) -> KafkaLogger:
    """The kafka_producer logger of a running daemon: its store's spools and status log."""
    if importlib.util.find_spec("confluent_kafka") is None:
        raise UnknownLoggerError(
            "Cannot activate kafka_producer logger plugin: confluent-kafka is not installed"
        )
    values = daemon.values
    caps = {
        "max_lines": int(values["buffered_log_max"]),
        "max_bytes": int(values.get("buffered_log_max_bytes", DEFAULT_MAX_BYTES)),
    }
    results = Spool(daemon.store, RESULTS_SINK, status=daemon.status, **caps)
    statuses = Spool(daemon.store, STATUS_SINK, status=daemon.status, **caps)
    attach_runtime(daemon.runtime)
    return KafkaLogger(
        values,
        results,
        statuses,
        daemon.status,
        hostname=daemon.engine.host.identity.hostname(),
        kafka_topics=lambda: daemon.config.kafka_topics,
        ready=lambda: bool(daemon.runtime.config_valid),
        decorations=lambda: daemon.decorations,
    )
