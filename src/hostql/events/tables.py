"""What every evented (``*_events``) table generator does: read buffered rows by time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from hostql.sql.context import EQ, GE, GT, IN, LE, LT, Constraint

if TYPE_CHECKING:
    from hostql.sql.context import QueryContext

Row = dict[str, Any]


def event_rows(ctx: QueryContext, table_name: str) -> Iterator[Row]:
    """The generator of an evented table: its buffered rows, narrowed by ``time`` constraints.

    Use it as the whole body of a ``*_events`` table (declare ``evented=True`` and a BIGINT
    ``time`` column with ``additional=True`` so time constraints reach it)::

        @table("file_events", ..., evented=True, columns=[...])
        def file_events(ctx: QueryContext) -> Iterator[Row]:
            yield from event_rows(ctx, "file_events")

    Rows come from ``ctx.runtime.events`` (the running EventStore) keyed by the subscriber
    named table_name, oldest first, each with ``time`` and ``eid``. ``time`` constraints
    (=, >, >=, <, <=, IN) narrow the read to the matching time batches. Without one, a
    scheduled query in hostqld (with --events_optimize) gets only the rows it has not read
    on an earlier run; everywhere else every buffered row is returned. When events are
    disabled or not running it yields nothing and warns as osquery does.
    """
    store = ctx.runtime.events
    if ctx.flags["disable_events"] or store is None or not getattr(store, "running", False):
        ctx.warn(f"Table {table_name} is event-based but events are disabled")
        return
    window = time_window(ctx.on("time"))
    if window is None:
        return
    start, stop = window
    constrained = ctx.has("time")
    yield from store.rows(table_name, start, stop, optimize=not constrained)


def time_window(constraints: Iterable[Constraint]) -> tuple[int, int] | None:
    """(start, stop) seconds, inclusive, 0 meaning unbounded; None when nothing can match."""
    start, stop = 0, 0
    for constraint in constraints:
        if constraint.op == IN:
            numbers = [n for n in (_seconds(v) for v in constraint.value) if n is not None]
            if not numbers:
                return None
            low, high = min(numbers), max(numbers)
        else:
            value = _seconds(constraint.value)
            if value is None:
                continue
            low, high = {
                EQ: (value, value),
                GT: (value + 1, 0),
                GE: (value, 0),
                LT: (0, value - 1),
                LE: (0, value),
            }.get(constraint.op, (0, 0))
        start = max(start, low)
        if high:
            stop = min(stop, high) if stop else high
        elif constraint.op in (LT, LE):
            return None  # time < 1: before every event
    if stop and start > stop:
        return None
    return start, stop


def _seconds(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None
