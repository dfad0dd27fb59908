"""The durable delivery spool every remote sink sends through: at-least-once, in order.

Lines live in the backing store's ``logs`` domain until the sink acknowledges them, so they
survive an unreachable server, a daemon restart and a kill -9. Each append is one row,
``spool.<sink>.<sequence of its first line>`` (see RowCodec), beside one state record
``spoolstate.<sink>`` whose head is the first line not yet acknowledged: an ack, or a drop at
a cap, that ends inside a row moves the head and keeps the row until none of it is queued.
Every append commits its row and the state together, and so does an ack, at once or
(``durable=False``) with the next commit: a crash before then resends lines, never loses them.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import weakref
import zlib
from base64 import b64decode, b64encode
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any

try:
    import zstandard
except ImportError:  # a declared dependency; without it rows are compressed with zlib
    zstandard = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from hostql.daemon.state import BackingStore
    from hostql.daemon.status import StatusLog

DOMAIN = "logs"
# The oldest queued rows stay decoded in memory up to about this much, so a healthy sink
# never reads its lines back; a backlog beyond it is read back a few rows at a time.
CACHE_LINES = 100_000
CACHE_BYTES = 32 * 1024 * 1024
# Rows read back by one range query, at most (fewer when they hold many lines).
READ_ROWS = 1024
# Rows of at least this many characters are stored compressed (base64: the store holds text).
COMPRESS_CHARS = 512
# ack(..., durable=False) commits at least this often (a crash resends at most this much).
ACK_SYNC_SECONDS = 1.0
# Dropping lines at a cap logs one ERROR, then at most one summary per this many seconds:
# the ERROR itself is a status line that may land in a full spool.
DROP_REPORT_SECONDS = 60.0


_STAMP = re.compile(r"[0-9]*")
_UNREADABLE: tuple[type[Exception], ...] = (ValueError, zlib.error)
if zstandard is not None:
    _UNREADABLE += (zstandard.ZstdError,)


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


class RowCodec:
    """A row's value from its lines and back; one per spool (zstd contexts are not shared)."""

    def __init__(self) -> None:
        self._zstd = zstandard.ZstdCompressor(level=1) if zstandard else None
        self._unzstd = zstandard.ZstdDecompressor() if zstandard else None

    def encode(self, stamp: int, lines: Sequence[str]) -> str:
        """``<time>:<line>`` for one short line, else ``<time><codec><lines>`` (see decode)."""
        if len(lines) == 1 and len(lines[0]) < COMPRESS_CHARS:
            return f"{stamp}:{lines[0]}"
        # Lines without newlines (JSON lines have none) are joined by them, others measured.
        text = "".join(lines)
        if "\n" in text:
            text = f"{','.join(map(str, map(len, lines)))};{text}"
        else:
            text = "\n" + "\n".join(lines)
        if len(text) < COMPRESS_CHARS:
            return f"{stamp};{text}"
        data = text.encode("utf-8", "surrogatepass")
        if self._zstd is not None:
            return f"{stamp}z{b64encode(self._zstd.compress(data)).decode('ascii')}"
        return f"{stamp}g{b64encode(zlib.compress(data, 1)).decode('ascii')}"

    def decode(self, value: str) -> tuple[int, list[str]]:
        """The (time, lines) of an encoded row; a value that is not one is one line."""
        digits = _STAMP.match(value).end()  # type: ignore[union-attr]
        stamp = int(value[:digits]) if digits else 0
        codec, rest = value[digits : digits + 1], value[digits + 1 :]
        if codec == ":":
            return stamp, [rest]
        with contextlib.suppress(*_UNREADABLE):
            if codec == "z" and self._unzstd is not None:
                rest = self._unzstd.decompress(b64decode(rest)).decode("utf-8", "surrogatepass")
            elif codec == "g":
                rest = zlib.decompress(b64decode(rest)).decode("utf-8", "surrogatepass")
            elif codec != ";":
                raise ValueError(codec)
            if rest.startswith("\n"):
                return stamp, rest[1:].split("\n")
            lengths_text, sep, body = rest.partition(";")
            lengths = [int(length) for length in lengths_text.split(",")]
            if sep and min(lengths) >= 0 and sum(lengths) == len(body):
                ends = list(accumulate(lengths))
                return stamp, [body[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        return stamp, [value]  # damaged: sent as it is rather than silently lost


class _Batch:
    """One row decoded: consecutive lines from sequence first on, appended at unix time stamp."""

    __slots__ = ("end", "first", "lines", "size", "sizes", "stamp")

    def __init__(
        self, first: int, stamp: int, lines: list[str], sizes: list[int] | None, size: int = -1
    ) -> None:
        self.first = first
        self.end = first + len(lines)
        self.stamp = stamp
        self.lines = lines
        # None when every line is ASCII: a line's size is then its length.
        self.sizes = sizes
        if size < 0:
            size = sum(map(len, lines)) if sizes is None else sum(sizes)
        self.size = size

    def cost(self, start: int, stop: int) -> int:
        """Bytes of lines[start:stop]."""
        if start <= 0 and stop >= len(self.lines):
            return self.size
        if self.sizes is None:
            return sum(map(len, self.lines[start:stop]))
        return sum(self.sizes[start:stop])


def _sizes_of(lines: list[str]) -> list[int] | None:
    """Each line's size, or None if they are all ASCII (their lengths)."""
    if all(map(str.isascii, lines)):
        return None
    return [line_size(line) for line in lines]


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
        self._codec = RowCodec()
        self._prefix = f"spool.{sink}."
        self._state_key = f"spoolstate.{sink}"
        # Decoded rows, _window[_window_start:], from the one holding the head on and
        # contiguous up to _window_end (== _next when every queued line is in memory).
        self._window: list[_Batch] = []
        self._window_start = 0
        self._window_end = 0
        self._window_lines = 0
        self._window_bytes = 0
        self._row_lines = 0  # lines in the last row seen: how many rows a read asks for
        # Keys of rows wholly acknowledged since the last commit, deleted by the next one.
        self._spent: list[str] = []
        self._unreported = 0
        self._last_report = 0.0
        self._head, self._next, self._bytes, self.dropped, self.last_error = self._load()
        # Acks from _durable_head to _head are not committed yet.
        self._durable_head = self._head
        self._last_sync = time.monotonic()
        _SPOOLS[sink] = self

    # -- persistence ------------------------------------------------------------------------

    def _key(self, sequence: int) -> str:
        return f"{self._prefix}{sequence:020d}"

    def _load(self) -> tuple[int, int, int, int, str]:
        text = self.store.get(DOMAIN, self._state_key)
        state: tuple[int, int, int, int, str] | None = None
        if text:
            try:
                record = json.loads(text)
                state = (
                    int(record["head"]),
                    int(record["next"]),
                    int(record["bytes"]),
                    int(record.get("dropped", 0)),
                    str(record.get("last_error", "")),
                )
            except (ValueError, KeyError, TypeError):
                pass  # a damaged state record is rebuilt from the rows themselves
        head, next_, size, dropped, error = state or self._rebuild()
        # The window starts at the row holding the head; rows wholly before it are leftovers.
        self._window_end = head
        start = self._prefix
        while batches := self._fetch(start, 16):
            holding = next((batch for batch in batches if batch.end > head), None)
            self._spent += [self._key(b.first) for b in batches if b.end <= head]
            if holding is not None:
                head = max(head, holding.first)  # lines before a row that holds none are lost
                self._window_end = holding.first
                self._keep(holding)
                break
            start = self._key(batches[-1].end)
        if self._window_start == len(self._window) and head < next_:
            head, size = next_, 0  # no row holds the queued lines: they are lost
            self._window_end = head
        return head, next_, size, dropped, error

    def _rebuild(self) -> tuple[int, int, int, int, str]:
        """State from the rows alone: every stored line is queued again."""
        first: int | None = None
        end = size = 0
        start = self._prefix
        while batches := self._fetch(start, 256):
            first = batches[0].first if first is None else first
            end = batches[-1].end
            size += sum(batch.size for batch in batches)
            start = self._key(end)
        return (first or 0), end, size, 0, ""

    def _fetch(self, start: str, limit: int) -> list[_Batch]:
        """Up to limit rows from key start on, decoded (rows with foreign keys skipped)."""
        batches: list[_Batch] = []
        while len(batches) < limit:
            rows = list(self.store.scan(DOMAIN, self._prefix, start=start, limit=limit))
            for key, value in rows:
                suffix = key[len(self._prefix) :]
                if suffix.isdecimal() and len(batches) < limit:
                    stamp, lines = self._codec.decode(value)
                    batches.append(_Batch(int(suffix), stamp, lines, _sizes_of(lines)))
            if len(rows) < limit or batches:
                break
            start = rows[-1][0] + "\0"
        return batches

    def _state(self, head: int, next_: int, size: int, dropped: int, error: str) -> str:
        return (
            f'{{"head":{head},"next":{next_},"bytes":{size},"dropped":{dropped},'
            f'"last_error":{json.dumps(error)}}}'
        )

    # -- the window of decoded rows -----------------------------------------------------------

    def _keep(self, batch: _Batch) -> None:
        """Add the row that follows the window to it."""
        self._window.append(batch)
        self._window_end = batch.end
        self._window_lines += len(batch.lines)
        self._window_bytes += batch.size
        self._row_lines = len(batch.lines)

    def _read_more(self, want_lines: int) -> bool:
        """Read the rows after the window into it (about want_lines lines); whether any came."""
        if self._window_end >= self._next:
            return False
        rows = max(1, min(READ_ROWS, want_lines // self._row_lines + 1 if self._row_lines else 1))
        batches = self._fetch(self._key(self._window_end), rows)
        for batch in batches:
            self._keep(batch)
        if not batches:
            # The store holds no more rows although _next says so: those lines are lost.
            self._window_end = self._next
            if self._window_start == len(self._window):
                self._head, self._bytes = self._next, 0
        return bool(batches)

    def _batches(self, want_lines: int) -> Iterator[tuple[_Batch, int]]:
        """The window's rows from the head on, with the index of their first queued line."""
        index = self._window_start
        while index < len(self._window) or self._read_more(want_lines):
            batch = self._window[index]
            index += 1
            yield batch, max(0, self._head - batch.first)

    def _advance(self, head: int, freed: int) -> None:
        """Move the head (freeing bytes); rows wholly behind it await deletion."""
        self._head = head
        self._bytes = max(0, self._bytes - freed) if head < self._next else 0
        window, index = self._window, self._window_start
        while index < len(window) and window[index].end <= head:
            batch = window[index]
            self._spent.append(self._key(batch.first))
            self._window_lines -= len(batch.lines)
            self._window_bytes -= batch.size
            index += 1
        if index * 2 > len(window):  # drop the references, amortised O(1) per row
            del window[:index]
            index = 0
        self._window_start = index

    def _rows_behind(self, head: int) -> list[str]:
        """Keys of the window's rows wholly before head."""
        keys = []
        index = self._window_start
        while index < len(self._window) and self._window[index].end <= head:
            keys.append(self._key(self._window[index].first))
            index += 1
        return keys

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
            fresh = list(lines)
            sizes = _sizes_of(fresh)
            # Lines that alone overflow a cap never reach the store; the oldest go first.
            batch = _Batch(self._next, now, fresh, sizes)
            cut = len(fresh) - self.max_lines if 0 < self.max_lines < len(fresh) else 0
            fresh_bytes = batch.cost(cut, len(fresh))
            while self.max_bytes and cut < len(fresh) and fresh_bytes > self.max_bytes:
                fresh_bytes -= line_size(fresh[cut]) if sizes is None else sizes[cut]
                cut += 1
            if cut:
                fresh = fresh[cut:]
                sizes = None if sizes is None else sizes[cut:]
            head, doomed, freed = self._over_cap(len(fresh), fresh_bytes)
            first, dropped = self._next, self.dropped + doomed + cut
            size = max(0, self._bytes - freed) + fresh_bytes
            items = [(self._key(first), self._codec.encode(now, fresh))] if fresh else []
            items.append(
                (
                    self._state_key,
                    self._state(head, first + len(fresh), size, dropped, self.last_error),
                )
            )
            gone = self._spent + self._rows_behind(head)
            if gone:
                with self.store.transaction():
                    self.store.delete(DOMAIN, *gone)
                    self.store.put_many(DOMAIN, items)
            else:
                self.store.put_many(DOMAIN, items)  # one transaction of its own
            # Only a committed transaction moves the in-memory state.
            self._advance(head, freed)
            self._spent = []
            self._next, self._bytes = first + len(fresh), size
            self._durable_head = head
            newly_dropped, self.dropped = dropped - self.dropped, dropped
            if cut:
                batch = _Batch(first, now, fresh, sizes, fresh_bytes)
            if fresh:
                self._remember(batch)
            self._report_drops(newly_dropped)

    def _remember(self, batch: _Batch) -> None:
        """Keep a new row in the window if it follows it and the window has room."""
        empty = self._window_start == len(self._window)
        roomy = (
            self._window_lines + len(batch.lines) <= CACHE_LINES
            and self._window_bytes + batch.size <= CACHE_BYTES
        )
        if self._window_end == batch.first and (empty or roomy):
            self._keep(batch)

    def _over(self, lines: int, size: int) -> bool:
        return (0 < self.max_lines < lines) or (0 < self.max_bytes < size)

    def _over_cap(self, new_lines: int, new_bytes: int) -> tuple[int, int, int]:
        """Where the head goes so new lines fit: (head, lines dropped, bytes freed)."""
        lines, size = self.queued_lines + new_lines, self._bytes + new_bytes
        head, doomed, freed = self._head, 0, 0
        if not self._over(lines, size):
            return head, doomed, freed
        for batch, start in self._batches(max(1, lines - self.max_lines)):
            count, rest = len(batch.lines) - start, batch.cost(start, len(batch.lines))
            if self._over(lines - count, size - rest):
                lines, size, head = lines - count, size - rest, batch.end
                doomed, freed = doomed + count, freed + rest
                continue
            for index in range(start, len(batch.lines)):
                cost = batch.cost(index, index + 1)
                lines, size, doomed, freed = lines - 1, size - cost, doomed + 1, freed + cost
                if not self._over(lines, size):
                    return batch.first + index + 1, doomed, freed
        return self._next, doomed, freed

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
            found: list[tuple[int, str]] = []
            limit = max(1, max_lines)
            size = 0
            for batch, start in self._batches(limit):
                stop = min(len(batch.lines), start + limit - len(found))
                part = batch.cost(start, stop)
                if not max_bytes or size + part <= max_bytes:
                    sequences = range(batch.first + start, batch.first + stop)
                    found += zip(sequences, batch.lines[start:stop], strict=True)
                    size += part
                else:
                    for index in range(start, stop):
                        cost = batch.cost(index, index + 1)
                        if found and size + cost > max_bytes:
                            return found
                        found.append((batch.first + index, batch.lines[index]))
                        size += cost
                if len(found) >= limit:
                    break
            return found

    def ack(self, through_sequence: int, *, durable: bool = True) -> None:
        """The sink has every line up to through_sequence: remove them for good.

        With durable=False the removal is committed later (by sync(), the next append, or
        within ACK_SYNC_SECONDS): after a crash those lines are sent again, never lost.
        """
        with self._lock:
            head = min(through_sequence, self._next - 1) + 1
            if head <= self._head:
                return
            freed = 0
            for batch, start in self._batches(head - self._head):
                if batch.first >= head:
                    break  # past a gap left by a damaged store
                freed += batch.cost(start, head - batch.first)
                if batch.end >= head:
                    break
            self._advance(head, freed)
            if durable or time.monotonic() - self._last_sync >= ACK_SYNC_SECONDS:
                self._commit_acks(self.last_error)

    def sync(self) -> None:
        """Commit acknowledgements made with durable=False."""
        with self._lock:
            if self._durable_head < self._head or self._spent:
                self._commit_acks(self.last_error)

    def _commit_acks(self, error: str) -> None:
        state = self._state(self._head, self._next, self._bytes, self.dropped, error)
        with self.store.transaction():
            if self._spent:
                self.store.delete(DOMAIN, *self._spent)
            self.store.put(DOMAIN, self._state_key, state)
        self._spent = []
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
            oldest = None
            if self.queued_lines:
                oldest = next((batch.stamp for batch, _ in self._batches(1)), None)
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
