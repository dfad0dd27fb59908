"""The event store: subscriber rows buffered in the backing store, indexed by time batch.

Keys of the ``events`` domain (osquery's layout, plus a persistent time index):

- ``data.<publisher>.<subscriber>.<eid>``: one row as JSON, with ``time`` and ``eid`` added
  (eid zero-padded to 10 digits);
- ``index.<publisher>.<subscriber>.<time>``: the eid ranges (``a-b,c-d``) of one time batch,
  so a time range is read by point lookups of just its rows, and the index is rebuilt at
  start from these small keys instead of every row;
- ``optimize.<subscriber>.<query>``: ``<time>:<eid>``, what a scheduled query has read.

A batch is one second of one subscriber: ``events_max`` bounds their number and
``events_expiry`` their age, as osquery does.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

# MemoryStore and StatusSink are re-exported: event sources import them from here.
from hostql.events.backing import KeyValueStore, StatusSink
from hostql.events.backing import MemoryStore as MemoryStore

if TYPE_CHECKING:
    from hostql.flags import FlagValues

DOMAIN = "events"
# osquery checks events_max and events_expiry every 256 added events.
CHECKPOINT = 256
_READ_CHUNK = 512
Row = dict[str, Any]


def min_expiry(max_interval: int) -> int:
    """osquery's minimum expiry for a subscriber read every max_interval seconds."""
    expiry = max_interval * 3
    return expiry + (60 - expiry % 60)


def eid_text(eid: int) -> str:
    """An eid as osquery writes it: zero-padded to 10 digits."""
    return f"{eid:010d}"


def parse_ranges(text: str) -> list[tuple[int, int]]:
    """'a-b,c-d' -> [(a, b), (c, d)] (malformed parts are skipped)."""
    ranges = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first.isdigit() and last.isdigit():
            ranges.append((int(first), int(last)))
    return ranges


def format_ranges(ranges: Iterable[tuple[int, int]]) -> str:
    """[(a, b), (c, d)] -> 'a-b,c-d'."""
    return ",".join(f"{a}-{b}" for a, b in ranges)


def add_eid(ranges: list[tuple[int, int]], eid: int) -> None:
    """Extend ranges with eid (in place), merging with the last range when contiguous."""
    if ranges and ranges[-1][1] + 1 == eid:
        ranges[-1] = (ranges[-1][0], eid)
    else:
        ranges.append((eid, eid))


def count_ranges(ranges: Iterable[tuple[int, int]]) -> int:
    """How many eids ranges hold."""
    return sum(b - a + 1 for a, b in ranges)


class Reading:
    """One scheduled run reading evented tables: its name, marks to save, what it read."""

    __slots__ = ("direct", "evented", "marks", "query")

    def __init__(self, query: str, *, direct: bool = False) -> None:
        self.query = query
        # direct: found through configurations/executing_query, marks saved at once.
        self.direct = direct
        self.marks: dict[str, str] = {}
        self.evented = False


class _Subscriber:
    """The in-memory index and counters of one subscriber's buffer."""

    def __init__(self, publisher: str, name: str, expiry_flag: str, max_flag: str) -> None:
        self.publisher = publisher
        self.name = name
        self.namespace = f"{publisher}.{name}"
        self.expiry_flag = expiry_flag
        self.max_flag = max_flag
        self.times: list[int] = []
        self.batches: dict[int, list[tuple[int, int]]] = {}
        self.last_eid = 0
        self.added = 0
        self.expired = 0
        self.evicted = 0
        self.lost = 0
        self.buffered = 0
        self.min_expiry = 0
        self.readers: set[str] = set()
        # query name -> the time it had consumed up to when it last read (osquery's queries_).
        self.read_times: dict[str, int] = {}
        self.last_query_time = 0


class EventStore:
    """Buffers subscriber rows, enforces events_max/events_expiry, keeps optimize marks."""

    def __init__(
        self,
        backing: KeyValueStore,
        values: FlagValues,
        status: StatusSink,
        *,
        daemon: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backing = backing
        self.values = values
        self.status = status
        self.daemon = daemon
        self.clock = clock
        self.running = False
        # osquery_events rows, provided by the runtime that owns this store.
        self.describe: Callable[[], list[Row]] = list
        # Apply a newly loaded config now (the daemon's events service sets it).
        self.reconfigure: Callable[[Any], None] = lambda config: None
        self._subs: dict[str, _Subscriber] = {}
        self._lock = threading.RLock()
        self._local = threading.local()

    # -- registration ---------------------------------------------------------------------

    def register(
        self,
        publisher: str,
        subscriber: str,
        *,
        expiry_flag: str = "events_expiry",
        max_flag: str = "events_max",
    ) -> None:
        """Load a subscriber's index from the backing store, then expire and trim it."""
        state = _Subscriber(publisher, subscriber, expiry_flag, max_flag)
        prefix = f"index.{state.namespace}."
        for key, value in self.backing.scan(DOMAIN, prefix):
            stamp = key[len(prefix) :]
            ranges = parse_ranges(value)
            if not stamp.isdigit() or not ranges:
                continue
            state.batches[int(stamp)] = ranges
            state.last_eid = max(state.last_eid, max(b for _, b in ranges))
            state.buffered += count_ranges(ranges)
        state.times = sorted(state.batches)
        with self._lock:
            self._subs[subscriber] = state
            self._expire(state, self._expiry(state), int(self.clock()))
            self._trim(state)

    def subscribers(self) -> list[str]:
        """Registered subscriber names."""
        return sorted(self._subs)

    def stats(self, subscriber: str) -> dict[str, int]:
        """Counters of one subscriber: added, buffered, expired, evicted, lost."""
        state = self._subs.get(subscriber)
        if state is None:
            return {}
        return {
            "added": state.added,
            "buffered": state.buffered,
            "expired": state.expired,
            "evicted": state.evicted,
            "lost": state.lost,
        }

    def configure_readers(self, schedule: Iterable[tuple[str, str, int]]) -> None:
        """Note which scheduled queries (name, sql, interval) read each subscriber."""
        for state in self._subs.values():
            pattern = re.compile(rf"\b{re.escape(state.name)}\b", re.IGNORECASE)
            readers = {(name, interval) for name, sql, interval in schedule if pattern.search(sql)}
            with self._lock:
                state.readers = {name for name, _ in readers}
                state.read_times = {}
                state.min_expiry = 0
                if readers:
                    state.min_expiry = min_expiry(max(interval for _, interval in readers))
                    expiry = int(self.values[state.expiry_flag])
                    if expiry > 0 and state.min_expiry > expiry:
                        self.status.info(
                            f"The minimum events expiration timeout for {state.name} "
                            f"has been adjusted: {state.min_expiry}"
                        )

    # -- writing --------------------------------------------------------------------------

    def add(self, subscriber: str, rows: Iterable[tuple[int, Row]]) -> int:
        """Buffer (time, row) pairs: stamp time and eid, write them; how many were added."""
        state = self._subs[subscriber]
        with self._lock:
            items: list[tuple[str, str]] = []
            touched: dict[int, list[tuple[int, int]]] = {}
            for stamp, row in rows:
                state.last_eid += 1
                eid = eid_text(state.last_eid)
                stored = dict(row)
                stored["time"] = stamp
                stored["eid"] = eid
                text = json.dumps(stored, separators=(",", ":"), ensure_ascii=False)
                items.append((f"data.{state.namespace}.{eid}", text))
                ranges = touched.get(stamp)
                if ranges is None:
                    ranges = touched[stamp] = list(state.batches.get(stamp, ()))
                add_eid(ranges, state.last_eid)
            count = len(items)
            if not count:
                return 0
            for stamp, ranges in touched.items():
                items.append((f"index.{state.namespace}.{stamp:010d}", format_ranges(ranges)))
            self.backing.put_many(DOMAIN, items)
            for stamp, ranges in touched.items():
                if stamp not in state.batches:
                    if not state.times or stamp > state.times[-1]:
                        state.times.append(stamp)
                    else:
                        bisect.insort(state.times, stamp)
                state.batches[stamp] = ranges
            before = state.added
            state.added += count
            state.buffered += count
            if before // CHECKPOINT != state.added // CHECKPOINT:
                self._trim(state)
                self._expire(state, self._expiry(state), int(self.clock()))
        return count

    # -- reading --------------------------------------------------------------------------

    @contextmanager
    def reading_as(self, query_name: str) -> Iterator[Reading]:
        """Run a scheduled query as query_name: evented tables give it only unseen rows.

        The marks of what it read are saved when the block exits without an exception, so
        a failed or cancelled run reads the same rows again next time. The Reading yielded
        tells afterwards whether the query read an evented table (osquery logs such
        results as all "added", without a differential, when --events_optimize is on).
        """
        previous = getattr(self._local, "reader", None)
        reading = Reading(query_name)
        self._local.reader = reading
        try:
            yield reading
            if reading.marks:
                self.backing.put_many(DOMAIN, reading.marks)
        finally:
            self._local.reader = previous

    def rows(
        self, subscriber: str, start: int = 0, stop: int = 0, *, optimize: bool = True
    ) -> Iterator[Row]:
        """Buffered rows with start <= time <= stop (0: unbounded), oldest first.

        In the daemon with --events_optimize, a scheduled query without a time constraint
        (optimize=True) gets only the rows it has not read before.
        """
        state = self._subs.get(subscriber)
        if state is None:
            return
        current = getattr(self._local, "reader", None)
        if current is not None:
            current.evented = True
        reader = self._reader() if optimize and self._optimizing() else None
        last_eid = 0
        if reader is not None:
            mark_time, last_eid = self._mark(state, reader.query)
            start = max(mark_time - 1, 0) if mark_time else 0
            with self._lock:
                state.read_times[reader.query] = start
        with self._lock:
            state.last_query_time = int(self.clock())
            eids = self._eids(state, start, stop, last_eid)
        seen: tuple[int, int] | None = None
        try:
            for chunk_start in range(0, len(eids), _READ_CHUNK):
                for eid in eids[chunk_start : chunk_start + _READ_CHUNK]:
                    text = self.backing.get(DOMAIN, f"data.{state.namespace}.{eid_text(eid)}")
                    if text is None:
                        continue  # expired or evicted while this query ran
                    row = json.loads(text)
                    seen = (int(row.get("time") or 0), eid)
                    yield row
        finally:
            if reader is not None and seen is not None:
                self._save_mark(state, reader, seen)
            self._after_read(state)

    def _eids(self, state: _Subscriber, start: int, stop: int, last_eid: int) -> list[int]:
        if stop and start > stop:
            return []
        low = bisect.bisect_left(state.times, start) if start else 0
        high = bisect.bisect_right(state.times, stop) if stop else len(state.times)
        found: list[int] = []
        for stamp in state.times[low:high]:
            for first, last in state.batches[stamp]:
                found.extend(range(max(first, last_eid + 1), last + 1))
        return found

    def _optimizing(self) -> bool:
        return self.daemon and bool(self.values["events_optimize"])

    def _reader(self) -> Reading | None:
        reader: Reading | None = getattr(self._local, "reader", None)
        if reader is not None:
            return reader
        # Without the hook, osquery's own signal: the scheduled query being executed.
        name = self.backing.get("configurations", "executing_query") or ""
        return Reading(name, direct=True) if name else None

    def _mark(self, state: _Subscriber, query: str) -> tuple[int, int]:
        text = self.backing.get(DOMAIN, f"optimize.{state.name}.{query}") or ""
        stamp, _, eid = text.partition(":")
        return (int(stamp) if stamp.isdigit() else 0, int(eid) if eid.isdigit() else 0)

    def _save_mark(self, state: _Subscriber, reader: Reading, seen: tuple[int, int]) -> None:
        key, value = f"optimize.{state.name}.{reader.query}", f"{seen[0]}:{seen[1]}"
        if reader.direct:
            self.backing.put_many(DOMAIN, {key: value})
        else:
            reader.marks[key] = value  # saved when reading_as exits cleanly

    def _after_read(self, state: _Subscriber) -> None:
        with self._lock:
            # osquery expires at select time only once every scheduled reader has run,
            # measuring age from the oldest point they had consumed up to.
            if not state.readers.issubset(state.read_times):
                return
            if state.readers and state.read_times:
                now = min(state.read_times.values())
            else:
                now = int(self.clock())
            self._expire(state, self._expiry(state), now)

    # -- expiry and eviction --------------------------------------------------------------

    def _expiry(self, state: _Subscriber) -> int:
        expiry = int(self.values[state.expiry_flag])
        return max(expiry, state.min_expiry) if expiry > 0 else 0

    def _expire(self, state: _Subscriber, expiry: int, now: int) -> None:
        if expiry <= 0 or now <= 0 or len(state.times) < 2:
            return
        cutoff = now - expiry
        # Every batch at or before the cutoff goes, but never the newest one.
        end = min(bisect.bisect_right(state.times, cutoff), len(state.times) - 1)
        if end <= 0:
            return
        removed = self._remove(state, state.times[:end])
        state.expired += removed

    def _trim(self, state: _Subscriber) -> None:
        limit = int(self.values[state.max_flag])
        if limit <= 0 or len(state.times) <= limit:
            return
        excess = state.times[: len(state.times) - limit]
        removed = self._remove(state, excess)
        state.evicted += removed
        when = "never"
        if state.last_query_time:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state.last_query_time))
        self.status.warning(
            f"Removed {len(excess)} event batches for subscriber: {state.namespace} "
            f"(limit: {limit}, last query: {when})"
        )

    def _remove(self, state: _Subscriber, stamps: list[int]) -> int:
        keys: list[str] = []
        unread = 0
        floor = self._read_floor(state)
        for stamp in stamps:
            ranges = state.batches.pop(stamp, [])
            keys.append(f"index.{state.namespace}.{stamp:010d}")
            for first, last in ranges:
                keys.extend(f"data.{state.namespace}.{eid_text(e)}" for e in range(first, last + 1))
                if floor is not None:
                    unread += max(0, last - max(first - 1, floor))
        removed = len(keys) - len(stamps)
        state.times = [t for t in state.times if t in state.batches]
        self.backing.delete(DOMAIN, *keys)
        state.buffered -= removed
        if unread:
            state.lost += unread
            self.status.warning(
                f"{unread} {state.name} events were removed before every scheduled query "
                f"reading {state.name} had read them"
            )
        return removed

    def _read_floor(self, state: _Subscriber) -> int | None:
        """The highest eid every scheduled reader has read (None without readers)."""
        if not state.readers or not self._optimizing():
            return None
        return min(self._mark(state, query)[1] for query in state.readers)
