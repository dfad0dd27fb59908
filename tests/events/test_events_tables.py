"""event_rows: time constraints to a read window, and the disabled-events warning."""

from __future__ import annotations

from typing import Any

from hostql.events.tables import time_window
from hostql.schema import BIGINT, TEXT, Column, table
from hostql.sql.context import EQ, GE, GT, IN, LE, LT, Constraint, QueryContext
from hostql.testing import engine_for


def window(*pairs: tuple[str, Any]) -> tuple[int, int] | None:
    return time_window([Constraint("time", op, value) for op, value in pairs])


def test_time_window() -> None:
    assert window() == (0, 0)
    assert window((EQ, 100)) == (100, 100)
    assert window((GT, 100)) == (101, 0)
    assert window((GE, "100")) == (100, 0)
    assert window((LT, 100)) == (0, 99)
    assert window((LE, 100.0)) == (0, 100)
    assert window((GT, 10), (LT, 20), (GE, 12), (LE, 30)) == (12, 19)
    assert window((IN, frozenset({5, 9}))) == (5, 9)
    assert window((GT, 20), (LT, 10)) is None
    assert window((LT, 1)) is None and window((LE, 0)) is None
    assert window((GT, "soon")) == (0, 0)  # not a number: SQLite filters it


@table(
    "demo_events",
    "Fixture evented table.",
    evented=True,
    columns=[Column("what", TEXT, "What"), Column("time", BIGINT, "Time", additional=True)],
)
def demo_events(ctx: QueryContext) -> Any:
    """Rows from the store."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "demo_events")


class Store:
    running = True

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, bool]] = []

    def rows(self, name: str, start: int, stop: int, *, optimize: bool) -> Any:
        self.calls.append((start, stop, optimize))
        yield {"what": name, "time": 150}


def test_event_rows_passes_the_window_and_optimisation() -> None:
    engine = engine_for(demo_events)
    store = Store()
    engine.runtime.events = store
    assert engine.query("select what from demo_events") == [{"what": "demo_events"}]
    assert engine.query("select what from demo_events where time > 100 and time <= 200") == [
        {"what": "demo_events"}
    ]
    assert engine.query("select what from demo_events where time > 300 and time < 200") == []
    assert store.calls == [(0, 0, True), (101, 200, False)]
    assert engine.take_warnings() == []
    store.running = False
    assert engine.query("select * from demo_events") == []
    assert engine.take_warnings() == ["Table demo_events is event-based but events are disabled"]
