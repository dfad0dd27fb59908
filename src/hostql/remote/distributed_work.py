"""Distributed queries' pure core: read parsing, discovery, result rows, write body, marks."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from hostql.daemon.records import cast_double, escape_cell
from hostql.errors import SqlError

if TYPE_CHECKING:
    from hostql.daemon.state import BackingStore

# While a read response's "accelerate" lasts, osquery polls every 5 s.
ACCELERATED_INTERVAL = 5


class WorkError(ValueError):
    """A read response that osquery rejects as a whole."""


@dataclass(frozen=True, slots=True)
class Work:
    """What one distributed read asks for."""

    queries: dict[str, str]
    discovery: dict[str, str]
    accelerate: int | None


@dataclass(frozen=True, slots=True)
class QueryStats:
    """The cost of one run, as the write request's "stats" entry."""

    wall_time_ms: int
    user_time: int
    system_time: int
    memory: int


@dataclass(frozen=True, slots=True)
class QueryOutcome:
    """One distributed query's result, status and message for the write request."""

    id: str
    rows: list[dict[str, str]]
    status: int = 0
    message: str = ""
    stats: QueryStats | None = None


def _named_strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise WorkError(f"Distributed {what} is not an object")
    found: dict[str, str] = {}
    for name, sql in value.items():
        if not isinstance(name, str) or not isinstance(sql, str) or not name or not sql:
            raise WorkError(f"Distributed {what} is not a string")
        found[name] = sql
    return found


def parse_work(response: Mapping[str, Any]) -> Work:
    """The queries, discovery queries and acceleration of a read response (WorkError if bad)."""
    accelerate = response.get("accelerate")
    if isinstance(accelerate, bool) or not isinstance(accelerate, int):
        # osquery ignores a non-integer "accelerate" (it logs and polls at the normal pace).
        accelerate = None
    return Work(
        queries=_named_strings(response.get("queries"), "query"),
        discovery=_named_strings(response.get("discovery"), "discovery query"),
        accelerate=accelerate,
    )


def wanted_queries(work: Work, discovered: Mapping[str, bool]) -> dict[str, str]:
    """Queries to run: those without a discovery query, or whose discovery returned rows."""
    return {
        name: sql for name, sql in work.queries.items() if discovered.get(name, True) is not False
    }


def run_discovery(discovery: Mapping[str, str], has_rows: Callable[[str], bool]) -> dict[str, bool]:
    """Each discovery query's verdict; an SQL error rejects the whole read (WorkError)."""
    verdicts: dict[str, bool] = {}
    for name, sql in discovery.items():
        try:
            verdicts[name] = has_rows(sql)
        except (SqlError, TimeoutError):
            raise WorkError("Distributed discovery query has an SQL error") from None
    return verdicts


def cell_text(value: Any, nullvalue: str = "") -> str:
    """One result value as the text osquery sends (its rows are strings)."""
    if isinstance(value, str | bytes):
        return escape_cell(value)
    if value is None:
        return nullvalue
    if isinstance(value, float):
        return cast_double(value)
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def result_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], nullvalue: str = ""
) -> list[dict[str, str]]:
    """Rows as objects of strings with their keys in SELECT column order."""
    return [
        {column: cell_text(value, nullvalue) for column, value in zip(columns, row, strict=True)}
        for row in rows
    ]


def write_body(outcomes: Sequence[QueryOutcome]) -> dict[str, Any]:
    """The write request: queries, statuses, messages and stats, each keyed by query id."""
    body: dict[str, Any] = {"queries": {}, "statuses": {}, "messages": {}, "stats": {}}
    for outcome in outcomes:
        body["queries"][outcome.id] = outcome.rows
        body["statuses"][outcome.id] = outcome.status
        body["messages"][outcome.id] = outcome.message
        # osquery sends an empty object for a query it did not run (a denylisted one).
        body["stats"][outcome.id] = asdict(outcome.stats) if outcome.stats else {}
    return body


def query_key(sql: str) -> str:
    """The distributed_running key of a query: the SHA-256 of its text."""
    return hashlib.sha256(sql.encode("utf-8", "surrogateescape")).hexdigest()


def denylist_expired(started: str, now: float, duration: int) -> bool:
    """Whether a running mark set at `started` (UNIX seconds) no longer denylists its query."""
    seconds = int(started) if started.strip().isdigit() else 0
    return now > seconds + duration


def poll_delay(now: float, accelerated_until: str | None, interval: int) -> int:
    """Seconds until the next read: 5 while accelerated, else --distributed_interval."""
    text = (accelerated_until or "").strip()
    if text.isdigit() and now <= int(text):
        return ACCELERATED_INTERVAL
    return interval


class RunningMarks:
    """In-flight queries in the store: a mark left by a crash denylists its query."""

    def __init__(self, store: BackingStore, duration: int) -> None:
        self.store = store
        self.duration = duration

    def check_and_set(self, sql: str, now: float) -> bool:
        """Mark sql as running; True (and no new mark) if an unexpired mark denylists it."""
        key = query_key(sql)
        with self.store.transaction():
            started = self.store.get("distributed_running", key)
            if started is not None:
                return not denylist_expired(started, now, self.duration)
            self.store.put("distributed_running", key, str(int(now)))
        return False

    def clear(self, sql: str) -> None:
        """The query finished (or was cancelled): forget its mark."""
        self.store.delete("distributed_running", query_key(sql))

    def purge_expired(self, now: float) -> int:
        """Forget expired marks; the number left denylisting their queries."""
        expired, kept = [], 0
        for key, started in self.store.scan("distributed_running"):
            if denylist_expired(started, now, self.duration):
                expired.append(key)
            else:
                kept += 1
        if expired:
            self.store.delete("distributed_running", *expired)
        return kept
