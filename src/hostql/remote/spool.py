"""The durable delivery spool every remote sink sends through: at-least-once, in order.

Lines live in the backing store's ``logs`` domain until the sink acknowledges them, so they
survive an unreachable server, a daemon restart and a kill -9. Keys are
``spool.<sink>.<sequence>`` (values ``<unix time>:<line>``) beside one state record
``spoolstate.<sink>``; every append commits its lines and the state together, and so does
an ack, at once or (``durable=False``) with the next commit: a crash before then resends
those lines, never loses them.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.daemon.state import BackingStore
    from hostql.daemon.status import StatusLog

DOMAIN = "logs"
# Lines recently appended are also kept in memory, so a healthy sink never reads them back.
CACHE_LINES = 100_000
CACHE_BYTES = 32 * 1024 * 1024
# ack(..., durable=False) commits at least this often (a crash resends at most this much).
ACK_SYNC_SECONDS = 1.0
# Dropping lines at a cap logs one ERROR, then at most one summary per this many seconds:
# the ERROR itself is a status line that may land in a full spool.
DROP_REPORT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SpoolStats:
    """A sink's queue: lines and bytes waiting, the oldest line's time, drops, last error."""

    queued_lines: int
    queued_bytes: int
    oldest_unix_time: int | None
    dropped: int
    last_error: str


def line_size(line: str) -> int:
    """The bytes a line costs against the byte cap (its UTF-8 length)."""
    return len(line) if line.isascii() else len(line.encode("utf-8", "surrogatepass"))


class Spool:
    """One sink's durable FIFO of lines; append is durable on return, ack removes."""

    def __init__(
        self,
        store: BackingStore,
        sink: str,
        *,
        max_lines: int,
        max_bytes: int,
        status: StatusLog,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not sink or "." in sink:
            raise ValueError(f"spool sink names are non-empty and have no '.': {sink!r}")
        self.store = store
        self.sink = sink
        # 0 means unlimited, as osquery's buffered_log_max.
        self.max_lines = max(0, int(max_lines))
        self.max_bytes = max(0, int(max_bytes))
        self.status = status
        self._clock = clock
        self._lock = threading.RLock()
        self._prefix = f"spool.{sink}."
        self._state_key = f"spoolstate.{sink}"
        # (sequence, unix time, line, size) of the newest lines, contiguous up to _next - 1.
        self._cache: deque[tuple[int, int, str, int]] = deque()
        self._cache_bytes = 0
        # Sizes of the lines the last peek returned, so their ack needs no read-back.
        self._peeked: dict[int, int] = {}
        self._unreported = 0
        self._last_report = 0.0
        self._head, self._next, self._bytes, self.dropped, self.last_error = self._load()
        # Lines below _head but from _durable_head on were acknowledged and not yet deleted.
        self._durable_head = self._head
        self._last_sync = time.monotonic()
        _SPOOLS[sink] = self

    # -- persistence ------------------------------------------------------------------------

    def _key(self, sequence: int) -> str:
        return f"{self._prefix}{sequence:020d}"

    def _load(self) -> tuple[int, int, int, int, str]:
        text = self.store.get(DOMAIN, self._state_key)
        if text:
            try:
                state = json.loads(text)
                return (
                    int(state["head"]),
                    int(state["next"]),
                    int(state["bytes"]),
                    int(state.get("dropped", 0)),
                    str(state.get("last_error", "")),
                )
            except (ValueError, KeyError, TypeError):
                pass  # a damaged state record is rebuilt from the lines themselves
        sequences: list[int] = []
        size = 0
        for key, value in self.store.scan(DOMAIN, self._prefix):
            suffix = key[len(self._prefix) :]
            if suffix.isdigit():
                sequences.append(int(suffix))
                size += line_size(value.partition(":")[2])
        if not sequences:
            return 0, 0, 0, 0, ""
        return min(sequences), max(sequences) + 1, size, 0, ""

    def _state(self, head: int, next_: int, size: int, dropped: int, error: str) -> str:
        return json.dumps(
            {"head": head, "next": next_, "bytes": size, "dropped": dropped, "last_error": error},
            separators=(",", ":"),
        )

    def _read(self, sequence: int) -> tuple[int, str] | None:
        value = self.store.get(DOMAIN, self._key(sequence))
        if value is None:
            return None
        stamp, _, line = value.partition(":")
        return (int(stamp) if stamp.isdigit() else 0), line

    # -- the queue --------------------------------------------------------------------------

    @property
    def queued_lines(self) -> int:
        """Lines waiting for the sink."""
        return self._next - self._head

    def append(self, lines: Sequence[str]) -> None:
        """Queue lines durably; over a cap the oldest lines are dropped, counted and reported."""
        if not lines:
            return
        with self._lock:
            now = int(self._clock())
            fresh = [(line, line_size(line)) for line in lines]
            dropped_new = 0
            # Lines that alone overflow a cap never reach the store; the oldest go first.
            if self.max_lines and len(fresh) > self.max_lines:
                dropped_new = len(fresh) - self.max_lines
                fresh = fresh[dropped_new:]
            fresh_bytes = sum(size for _, size in fresh)
            if self.max_bytes:
                cut = 0
                while cut < len(fresh) and fresh_bytes > self.max_bytes:
                    fresh_bytes -= fresh[cut][1]
                    cut += 1
                dropped_new += cut
                fresh = fresh[cut:]
            doomed, doomed_bytes = self._oldest_over_cap(len(fresh), fresh_bytes)
            first = self._next
            items = [(self._key(first + i), f"{now}:{line}") for i, (line, _) in enumerate(fresh)]
            head = self._head + len(doomed)
            next_ = first + len(fresh)
            size = self._bytes - doomed_bytes + fresh_bytes
            dropped = self.dropped + len(doomed) + dropped_new
            state = self._state(head, next_, size, dropped, self.last_error)
            doomed = self._acked_keys() + doomed
            with self.store.transaction():
                if doomed:
                    self.store.delete(DOMAIN, *doomed)
                if items:
                    self.store.put_many(DOMAIN, items)
                self.store.put(DOMAIN, self._state_key, state)
            # Only a committed transaction moves the in-memory state.
            newly_dropped = dropped - self.dropped
            self._head, self._next, self._bytes, self.dropped = head, next_, size, dropped
            self._durable_head = head
            self._forget_cached(head - 1)
            for offset, (line, size) in enumerate(fresh):
                self._cache.append((first + offset, now, line, size))
                self._cache_bytes += size
            while self._cache and (
                len(self._cache) > CACHE_LINES or self._cache_bytes > CACHE_BYTES
            ):
                self._cache_bytes -= self._cache.popleft()[3]
            self._report_drops(newly_dropped)

    def _oldest_over_cap(self, new_lines: int, new_bytes: int) -> tuple[list[str], int]:
        """Keys of the queued lines to drop so that new lines fit, and their bytes."""
        lines = self.queued_lines + new_lines
        size = self._bytes + new_bytes
        keys: list[str] = []
        freed = 0
        sequence = self._head
        over_lines = bool(self.max_lines) and lines > self.max_lines
        over_bytes = bool(self.max_bytes) and size > self.max_bytes
        while sequence < self._next and (over_lines or over_bytes):
            cost = self._size_of(sequence)
            keys.append(self._key(sequence))
            freed += cost
            lines -= 1
            size -= cost
            sequence += 1
            over_lines = bool(self.max_lines) and lines > self.max_lines
            over_bytes = bool(self.max_bytes) and size > self.max_bytes
        return keys, freed

    def _size_of(self, sequence: int) -> int:
        if self._cache and self._cache[0][0] <= sequence:
            return self._cache[sequence - self._cache[0][0]][3]
        found = self._read(sequence)
        return line_size(found[1]) if found else 0

    def _forget_cached(self, through: int) -> None:
        while self._cache and self._cache[0][0] <= through:
            self._cache_bytes -= self._cache.popleft()[3]

    def _report_drops(self, count: int) -> None:
        self._unreported += count
        if not self._unreported:
            return
        now = time.monotonic()
        if self._last_report and now - self._last_report < DROP_REPORT_SECONDS:
            return
        self._last_report = now
        caps = f"{self.max_lines} lines" if self.max_lines else "no line cap"
        if self.max_bytes:
            caps += f", {self.max_bytes} bytes"
        self.status.error(
            f"Delivery queue for {self.sink} is full ({caps}): dropped the {self._unreported} "
            f"oldest lines ({self.dropped} dropped in total)"
        )
        self._unreported = 0

    def peek(self, max_lines: int, max_bytes: int) -> list[tuple[int, str]]:
        """The oldest queued (sequence, line) pairs within both limits (always one if any)."""
        with self._lock:
            self._peeked = {}
            found: list[tuple[int, str]] = []
            size = 0
            sequence = self._head
            stop = min(self._next, self._head + max(1, max_lines))
            while sequence < stop:
                if self._cache and self._cache[0][0] <= sequence:
                    _, _, line, cost = self._cache[sequence - self._cache[0][0]]
                else:
                    stored = self._read(sequence)
                    if stored is None:
                        sequence += 1  # a gap (a line dropped outside a transaction): skip it
                        continue
                    line = stored[1]
                    cost = line_size(line)
                if found and max_bytes and size + cost > max_bytes:
                    break
                found.append((sequence, line))
                self._peeked[sequence] = cost
                size += cost
                sequence += 1
            return found

    def ack(self, through_sequence: int, *, durable: bool = True) -> None:
        """The sink has every line up to through_sequence: remove them for good.

        With durable=False the removal is committed later (by sync(), the next append, or
        within ACK_SYNC_SECONDS): after a crash those lines are sent again, never lost.
        """
        with self._lock:
            through = min(through_sequence, self._next - 1)
            if through < self._head:
                return
            peeked = self._peeked
            freed = sum(
                peeked[sequence] if sequence in peeked else self._size_of(sequence)
                for sequence in range(self._head, through + 1)
            )
            self._head = through + 1
            self._bytes = max(0, self._bytes - freed)
            self._peeked = {seq: cost for seq, cost in peeked.items() if seq > through}
            self._forget_cached(through)
            if durable or time.monotonic() - self._last_sync >= ACK_SYNC_SECONDS:
                self._commit_acks(self.last_error)

    def sync(self) -> None:
        """Commit acknowledgements made with durable=False."""
        with self._lock:
            if self._durable_head < self._head:
                self._commit_acks(self.last_error)

    def _acked_keys(self) -> list[str]:
        return [self._key(sequence) for sequence in range(self._durable_head, self._head)]

    def _commit_acks(self, error: str) -> None:
        state = self._state(self._head, self._next, self._bytes, self.dropped, error)
        with self.store.transaction():
            keys = self._acked_keys()
            if keys:
                self.store.delete(DOMAIN, *keys)
            self.store.put(DOMAIN, self._state_key, state)
        self._durable_head = self._head
        self._last_sync = time.monotonic()

    def set_error(self, text: str) -> None:
        """Remember the sink's latest delivery error ('' once it delivers again)."""
        with self._lock:
            if text == self.last_error:
                return
            self.last_error = text
            # The error text is informational; a failing store surfaces through append and ack.
            with contextlib.suppress(Exception):
                self._commit_acks(text)

    def stats(self) -> SpoolStats:
        """The queue's current figures."""
        with self._lock:
            oldest: int | None = None
            if self.queued_lines:
                if self._cache and self._cache[0][0] <= self._head:
                    oldest = self._cache[self._head - self._cache[0][0]][1]
                else:
                    stored = self._read(self._head)
                    oldest = stored[0] if stored else None
            return SpoolStats(self.queued_lines, self._bytes, oldest, self.dropped, self.last_error)


class Pacer:
    """Bounds replay after an outage: at most lines_per_period lines per period while recovering.

    A healthy sink is not paced; after a failure the backlog drains at a bounded rate so a
    recovering server is not flooded, and pacing ends once the backlog is gone.
    """

    def __init__(
        self,
        lines_per_period: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lines_per_period = max(1, int(lines_per_period))
        self.period = max(0.001, float(period))
        self.recovering = False
        self._clock = clock
        self._window_start = 0.0
        self._used = 0

    def failed(self) -> None:
        """The sink failed: pace what is sent once it answers again."""
        self.recovering = True
        self._window_start = self._clock()
        self._used = 0

    def drained(self) -> None:
        """The backlog is delivered: back to unpaced sending."""
        self.recovering = False

    def allowance(self) -> int | None:
        """Lines that may be sent now (None: no limit)."""
        if not self.recovering:
            return None
        now = self._clock()
        if now - self._window_start >= self.period:
            self._window_start = now
            self._used = 0
        return max(0, self.lines_per_period - self._used)

    def sent(self, lines: int) -> None:
        """Count lines sent in the current window."""
        self._used += lines

    def wait_seconds(self) -> float:
        """Seconds until the next window opens (0 when not limited)."""
        if not self.recovering or self._used < self.lines_per_period:
            return 0.0
        return max(0.0, self._window_start + self.period - self._clock())


# Every live spool by sink name, for the hostql_delivery_queues table.
_SPOOLS: weakref.WeakValueDictionary[str, Spool] = weakref.WeakValueDictionary()


def spools() -> list[Spool]:
    """The live spools, by sink name."""
    return [_SPOOLS[name] for name in sorted(_SPOOLS.keys()) if name in _SPOOLS]


def queue_rows(now: float | None = None) -> list[dict[str, Any]]:
    """One hostql_delivery_queues row per live spool."""
    moment = time.time() if now is None else now
    rows: list[dict[str, Any]] = []
    for spool in spools():
        stats = spool.stats()
        age = 0 if stats.oldest_unix_time is None else max(0, int(moment) - stats.oldest_unix_time)
        rows.append(
            {
                "sink": spool.sink,
                "queued_lines": stats.queued_lines,
                "queued_bytes": stats.queued_bytes,
                "oldest_age": age,
                "dropped": stats.dropped,
                "last_error": stats.last_error,
                "max_lines": spool.max_lines,
                "max_bytes": spool.max_bytes,
            }
        )
    return rows


def attach_runtime(runtime: object) -> None:
    """Let the introspection table reach queue_rows through the daemon's Runtime record."""
    # Runtime is a slotted record: without its delivery_queues slot there is nothing to set.
    with contextlib.suppress(AttributeError):
        setattr(runtime, "delivery_queues", queue_rows)  # noqa: B010
