"""--logger_plugin=tls: result and status lines POSTed to --logger_tls_endpoint in batches.

Lines go through the durable spool (one per log type) and leave it only once the server
acknowledged them, so nothing is lost while the server is down, slow or failing, nor across
a restart or a kill -9 (a batch in flight at a crash is sent again: at-least-once).
A sender thread posts every --logger_tls_period seconds (sooner when a full batch is
waiting), up to --logger_tls_max_lines lines per request; after a failure it backs off
(period * n², at most --logger_tls_backoff_max) and replays the backlog at a bounded pace.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from hostql.daemon.loggers.base import INFO, Logger
from hostql.daemon.records import StatusEntry, status_json
from hostql.remote.enroll import remote_client
from hostql.remote.spool import Pacer, Spool, attach_runtime, line_size
from hostql.remote.transport import HttpStatusError, Response, TransportError

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon
    from hostql.daemon.status import StatusLog

RESULT, STATUS = "result", "status"
# One request carries at most this many bytes of lines (and at least one line).
BATCH_BYTES = 8 * 1024 * 1024
# While replaying a backlog after an outage: at most this many full batches per period.
REPLAY_BATCHES_PER_PERIOD = 8
# At shutdown, pending lines get this long to go out; the rest waits in the spool.
CLOSE_SECONDS = 5.0

# (endpoint, encode(node_key) -> body, compress) -> the server's answer.
PostEncoded = Callable[[str, Callable[[str], bytes], bool], Response]


def log_body(node_key: str, log_type: str, lines: Sequence[str]) -> bytes:
    """{"node_key":…,"log_type":…,"data":[lines]} built around lines that are already JSON."""
    head = f'{{"node_key":{json.dumps(node_key)},"log_type":"{log_type}","data":['
    return (head + ",".join(lines) + "]}").encode("utf-8", "surrogatepass")


def backoff_seconds(period: float, failures: int, backoff_max: float) -> float:
    """Delay before the next try after `failures` failures in a row: period * n², capped."""
    if failures <= 0 or backoff_max <= 0:
        return period
    return min(period * failures * failures, max(period, backoff_max))


def valid_json_lines(lines: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """The (sequence, line) pairs whose line is a JSON value (osquery skips the others)."""
    kept = []
    for sequence, line in lines:
        try:
            json.loads(line)
        except ValueError:
            continue
        kept.append((sequence, line))
    return kept


class TlsLogger(Logger):
    """Spools lines durably, and a sender thread delivers them to the TLS server."""

    name = "tls"
    # Lines are appended to the spool on the scheduler's thread (see daemon/delivery.py).
    durable = True

    def __init__(
        self,
        post: PostEncoded,
        spools: Mapping[str, Spool],
        status: StatusLog,
        *,
        endpoint: str,
        period: float = 4.0,
        max_lines: int = 1024,
        max_linesize: int = 1024 * 1024,
        compress: bool = False,
        backoff_max: float = 3600.0,
        disable_status: bool = False,
        decorations: Callable[[], Mapping[str, str]] = dict,
        decorations_top_level: bool = False,
        min_status: int = INFO,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(min_status)
        self.post = post
        self.spools = dict(spools)
        self.status = status
        self.endpoint = endpoint
        self.period = max(0.05, float(period))
        self.max_lines = max(1, int(max_lines))
        self.max_linesize = int(max_linesize)
        self.compress = compress
        self.backoff_max = float(backoff_max)
        self.uses_status = not disable_status
        self.decorations = decorations
        self.decorations_top_level = decorations_top_level
        self.oversized = 0
        self.sent_lines = 0
        self.failures = 0
        self._clock = clock
        self._batch_lines = self.max_lines
        self._pacers = {
            kind: Pacer(self.max_lines * REPLAY_BATCHES_PER_PERIOD, self.period, clock=clock)
            for kind in self.spools
        }
        for kind, spool in self.spools.items():
            if spool.queued_lines > self.max_lines:
                self._pacers[kind].failed()  # a backlog left by the last run: replay it paced
        self._retry_at = 0.0
        self._drain = False
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hostql-tls-logger", daemon=True)
        self._thread.start()

    # -- the Logger interface (delivery thread) ---------------------------------------------

    def log_results(self, lines: Sequence[str]) -> None:
        """Spool result (and snapshot) lines."""
        self._spool(RESULT, lines)

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """Spool status lines at or above --logger_min_status."""
        wanted = self.wanted(entries)
        if not wanted or not self.uses_status:
            return
        decorations = self.decorations()
        top = self.decorations_top_level
        self._spool(STATUS, [status_json(entry, decorations, top_level=top) for entry in wanted])

    def _spool(self, kind: str, lines: Sequence[str]) -> None:
        limit = self.max_linesize
        if limit > 0:
            # A character is at most 4 UTF-8 bytes: only long lines need encoding to measure.
            kept = [line for line in lines if len(line) <= limit // 4 or line_size(line) <= limit]
            if len(kept) != len(lines):
                self.oversized += len(lines) - len(kept)
                self.status.warning(
                    f"Linesize exceeds TLS logger maximum ({limit} bytes): "
                    f"dropped {len(lines) - len(kept)} lines"
                )
                lines = kept
        spool = self.spools[kind]
        spool.append(lines)
        if spool.queued_lines >= self._batch_lines:
            self._wake.set()

    def flush(self) -> None:
        """Ask the sender to deliver now (it still honours backoff and pacing)."""
        self._wake.set()

    def drain(self, timeout: float) -> bool:
        """Have the sender deliver everything now (backoff still applies); whether it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(spool.queued_lines == 0 for spool in self.spools.values()):
                return True
            self._drain = True
            self._wake.set()
            time.sleep(0.005)
        return all(spool.queued_lines == 0 for spool in self.spools.values())

    def close(self) -> None:
        """Stop the sender after a last bounded attempt; undelivered lines stay spooled."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=CLOSE_SECONDS + 20)

    # -- the sender thread ------------------------------------------------------------------

    def _run(self) -> None:
        next_flush = self._clock() + self.period
        while not self._stopping.is_set():
            now = self._clock()
            due = max(next_flush, self._retry_at)
            if due > now:
                self._wake.wait(due - now)
                self._wake.clear()
                if self._stopping.is_set():
                    break
                now = self._clock()
                early = now >= self._retry_at and (self._drain or self._full_batch_waiting())
                if now < due and not early:
                    continue
            self._drain = False
            try:
                self.deliver()
            except Exception as exc:  # the store failing must not end the sender
                self.record_error(f"{type(exc).__name__}: {exc}")
            next_flush = self._clock() + self.period
        if self.failures == 0 or self._clock() >= self._retry_at:
            try:
                self.deliver(deadline=self._clock() + CLOSE_SECONDS)
            except Exception as exc:  # closing must finish whatever the store says
                self.record_error(f"{type(exc).__name__}: {exc}")

    def _full_batch_waiting(self) -> bool:
        return any(spool.queued_lines >= self._batch_lines for spool in self.spools.values())

    def deliver(self, deadline: float | None = None) -> bool:
        """Send what pacing allows from each spool; False if a request failed."""
        try:
            return self._deliver(deadline)
        finally:
            # Acks within a pass commit once, at its end: a crash mid-pass resends the pass.
            for spool in self.spools.values():
                spool.sync()

    def _deliver(self, deadline: float | None) -> bool:
        for kind, spool in self.spools.items():
            pacer = self._pacers[kind]
            while deadline is None or self._clock() < deadline:
                if deadline is None and self._stopping.is_set():
                    return True
                allowance = pacer.allowance()
                count = self._batch_lines
                if allowance is not None:
                    count = min(allowance, count)
                if count <= 0:
                    break
                batch = spool.peek(count, BATCH_BYTES)
                if not batch:
                    pacer.drained()
                    break
                if not self._send(kind, spool, batch):
                    pacer.failed()
                    return False
                pacer.sent(len(batch))
        return True

    def _send(self, kind: str, spool: Spool, batch: list[tuple[int, str]]) -> bool:
        lines = [line for _, line in batch]
        try:
            try:
                self.post(self.endpoint, lambda key: log_body(key, kind, lines), self.compress)
            except HttpStatusError as exc:
                if not 400 <= exc.status < 500:
                    raise
                lines = self._after_rejection(exc, batch)
                if lines:
                    self.post(self.endpoint, lambda key: log_body(key, kind, lines), self.compress)
        except TransportError as exc:
            self._failed(spool, str(exc))
            return False
        spool.ack(batch[-1][0], durable=False)
        self.sent_lines += len(lines)
        if self.failures:
            self.status.info(f"TLS logger delivering again after {self.failures} failed attempts")
        self.failures = 0
        self._retry_at = 0.0
        spool.set_error("")
        return True

    def _after_rejection(self, exc: HttpStatusError, batch: list[tuple[int, str]]) -> list[str]:
        """The lines to send again after a 4xx: lines that are not JSON are dropped."""
        kept = valid_json_lines(batch)
        if len(kept) < len(batch):
            self.status.warning(
                f"TLS logger: dropped {len(batch) - len(kept)} lines that are not JSON"
            )
            return [line for _, line in kept]
        if exc.status == 413 and self._batch_lines > 1:
            self._batch_lines = max(1, self._batch_lines // 2)
        raise exc

    def _failed(self, spool: Spool, message: str) -> None:
        self.failures += 1
        self.record_error(message)
        spool.set_error(message)
        if self.failures == 1:
            self.status.warning(f"TLS logger cannot deliver: {message}; will retry")
        self._retry_at = self._clock() + backoff_seconds(
            self.period, self.failures, self.backoff_max
        )


def from_daemon(daemon: Daemon) -> TlsLogger:
    """The TLS logger of a running daemon: its spools live in the daemon's backing store."""
    values = daemon.values
    client = remote_client(daemon)
    spools = {
        kind: Spool(
            daemon.store,
            f"tls_{kind}",
            max_lines=int(values["buffered_log_max"]),
            max_bytes=int(values["buffered_log_max_bytes"]),
            status=daemon.status,
        )
        for kind in (RESULT, STATUS)
    }
    attach_runtime(daemon.runtime)

    def post(endpoint: str, encode: Callable[[str], bytes], compress: bool) -> Response:
        return client.post_encoded(endpoint, encode, compress=compress)

    return TlsLogger(
        post,
        spools,
        daemon.status,
        endpoint=str(values["logger_tls_endpoint"]),
        period=float(values["logger_tls_period"]),
        max_lines=int(values["logger_tls_max_lines"]),
        max_linesize=int(values["logger_tls_max_linesize"]),
        compress=bool(values["logger_tls_compress"]),
        backoff_max=float(values["logger_tls_backoff_max"]),
        disable_status=bool(values["tls_disable_status_log"]),
        decorations=lambda: daemon.decorations,
        decorations_top_level=bool(values["decorations_top_level"]),
        min_status=int(values["logger_min_status"]),
    )
