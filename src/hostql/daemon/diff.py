"""Differential results: what changed between two runs of a scheduled query (osquery §7)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from hostql.schema import Row

# Marks the key of a row whose columns differ from the first row's, so that it can never
# equal the plain value tuple of a regular row.
_IRREGULAR = object()


def _irregular_key(row: Mapping[str, Any]) -> Hashable:
    return (_IRREGULAR, tuple(sorted(row.items())))


def _row_keys(rows: Sequence[Mapping[str, Any]], columns: tuple[str, ...]) -> list[Hashable]:
    """One hashable key per row, equal exactly when the rows hold equal cells."""
    if not columns:
        return [() if not row else _irregular_key(row) for row in rows]
    width = len(columns)
    values: Callable[[Mapping[str, Any]], Hashable] = itemgetter(*columns)
    try:
        # The common case: every row has the query's columns, so a C getter builds the key.
        return [values(row) if len(row) == width else _irregular_key(row) for row in rows]
    except KeyError:
        keys: list[Hashable] = []
        for row in rows:
            try:
                keys.append(values(row) if len(row) == width else _irregular_key(row))
            except KeyError:
                keys.append(_irregular_key(row))
        return keys


def _cell_order(value: Any) -> tuple[int, Any]:
    # boost::variant<long long, double, std::string> orders by alternative, then by value.
    if isinstance(value, bool | int):
        return (0, int(value))
    if isinstance(value, float):
        return (1, value)
    return (2, "" if value is None else value)


def osquery_row_order(row: Mapping[str, Any]) -> tuple[tuple[str, tuple[int, Any]], ...]:
    """The sort key of a row in osquery's std::multiset of rows (the order of removed rows)."""
    return tuple((column, _cell_order(row[column])) for column in sorted(row))


def diff_rows(previous: Sequence[Row], current: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """(added, removed): the multiset difference of two runs' rows; duplicates count.

    Added rows keep the current run's order; removed rows come in osquery's multiset order.
    Cells compare as Python values, so an integer equals the same-valued real.
    """
    if not previous:
        return list(current), []
    if not current:
        return [], sorted(previous, key=osquery_row_order)
    columns = tuple(sorted(current[0]))
    previous_keys = _row_keys(previous, columns)
    current_keys = _row_keys(current, columns)
    previous_set = set(previous_keys)
    current_set = set(current_keys)
    if len(previous_set) == len(previous_keys) and len(current_set) == len(current_keys):
        added = [
            row for row, key in zip(current, current_keys, strict=True) if key not in previous_set
        ]
        removed = [
            row for row, key in zip(previous, previous_keys, strict=True) if key not in current_set
        ]
    else:
        added, removed = _diff_with_duplicates(previous, previous_keys, current, current_keys)
    removed.sort(key=osquery_row_order)
    return added, removed


def _diff_with_duplicates(
    previous: Sequence[Row],
    previous_keys: list[Hashable],
    current: Sequence[Row],
    current_keys: list[Hashable],
) -> tuple[list[Row], list[Row]]:
    # As osquery: each current row consumes one equal previous row, else it is added.
    unmatched = Counter(previous_keys)
    added: list[Row] = []
    for row, key in zip(current, current_keys, strict=True):
        left = unmatched[key]
        if left:
            unmatched[key] = left - 1
        else:
            added.append(row)
    removed: list[Row] = []
    for row, key in zip(previous, previous_keys, strict=True):
        if unmatched[key]:
            unmatched[key] -= 1
            removed.append(row)
    return added, removed


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A query's differential state in the backing store: last rows, epoch, counter, SQL."""

    rows: Sequence[Row]
    epoch: int
    counter: int
    sql: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to log and what to store after one run of a differential query."""

    added: list[Row]
    removed: list[Row]
    counter: int
    log: bool
    # The complete state to write back, or None when the store stays as it is.
    state: StoredResult | None
    first_run: bool = False
    new_epoch: bool = False
    # The SQL text changed: log "Scheduled query has been updated: <name>".
    query_updated: bool = False

    @property
    def store(self) -> bool:
        """Whether the backing store must be written."""
        return self.state is not None


def differential(
    previous: StoredResult | None,
    current_rows: Sequence[Row],
    *,
    sql: str,
    epoch: int,
    removed_enabled: bool = True,
    event_query: bool = False,
) -> Outcome:
    """osquery's decision for a run: diff, counter, whether to log and what to store (§7)."""
    first_run = previous is None
    new_epoch = previous is not None and previous.epoch != epoch
    fresh = first_run or new_epoch
    updated = previous is not None and not fresh and previous.sql != sql
    if event_query:
        return _event_outcome(previous, current_rows, sql, epoch, fresh, first_run, updated)
    if previous is None or fresh:
        rows = list(current_rows)
        initial = StoredResult(rows, epoch, 0, sql)
        # A counter-0 run is always logged, even without rows.
        return Outcome(
            rows, [], 0, log=True, state=initial, first_run=first_run, new_epoch=new_epoch
        )
    added, removed = diff_rows(previous.rows, current_rows)
    changed = bool(added or removed)
    counter = previous.counter + 1 if changed else previous.counter
    if not removed_enabled:
        removed = []
    state: StoredResult | None = None
    if changed:
        state = StoredResult(list(current_rows), epoch, counter, sql)
    elif updated:
        state = StoredResult(previous.rows, previous.epoch, previous.counter, sql)
    logged = bool(added or removed)
    return Outcome(added, removed, counter, log=logged, state=state, query_updated=updated)


def _event_outcome(
    previous: StoredResult | None,
    current_rows: Sequence[Row],
    sql: str,
    epoch: int,
    fresh: bool,
    first_run: bool,
    updated: bool,
) -> Outcome:
    # Event tables already return only new events: no diff, every row is added, and the
    # counter counts non-empty runs from 1 within an epoch.
    rows = list(current_rows)
    if fresh or previous is None:
        counter = 1 if rows else 0
        state = StoredResult([], epoch, counter, sql)
        return Outcome(
            rows,
            [],
            counter,
            log=bool(rows),
            state=state,
            first_run=first_run,
            new_epoch=not first_run,
        )
    if not rows:
        kept = StoredResult(previous.rows, previous.epoch, previous.counter, sql)
        return Outcome(
            [],
            [],
            previous.counter,
            log=False,
            state=kept if updated else None,
            query_updated=updated,
        )
    counter = previous.counter + 1
    state = StoredResult(previous.rows, epoch, counter, sql)
    return Outcome(rows, [], counter, log=True, state=state, query_updated=updated)
