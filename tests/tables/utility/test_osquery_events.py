"""osquery_events: osquery's columns, hostql's hidden loss counters, rows without a runtime."""

from __future__ import annotations

from typing import Any

from hostql.tables.utility.osquery_events import osquery_events
from hostql.testing import engine_for, run_table


def test_spec_matches_osquery(reference_tables: dict[str, dict[str, Any]]) -> None:
    ref = reference_tables["osquery_events"]
    assert osquery_events.create_table_sql(osquery_only=True) == ref["create_table_sql_on_linux"]
    extras = [c.name for c in osquery_events.columns if c.hostql_only]
    assert extras == [
        "dropped",
        "lost",
        "queue_overflows",
        "expired",
        "evicted",
        "buffered",
        "last_error",
        "counters",
    ]


def test_without_events_every_builtin_source_is_listed_inactive() -> None:
    rows = run_table(osquery_events)
    publisher = next(r for r in rows if r["name"] == "inotify")
    assert (publisher["publisher"], publisher["type"]) == ("inotify", "publisher")
    subscriber = next(r for r in rows if r["name"] == "file_events")
    assert (subscriber["type"], subscriber["publisher"], subscriber["active"]) == (
        "subscriber",
        "inotify",
        0,
    )
    assert all(r["active"] == 0 and r["events"] == 0 for r in rows)


def test_a_running_store_describes_itself() -> None:
    class Store:
        running = True

        def describe(self) -> list[dict[str, Any]]:
            return [{"name": "p", "publisher": "p", "type": "publisher", "active": 1, "lost": 3}]

    engine = engine_for(osquery_events)
    engine.runtime.events = Store()
    assert engine.query("select name, active, lost from osquery_events") == [
        {"name": "p", "active": 1, "lost": 3}
    ]
    assert "lost" not in engine.query("select * from osquery_events")[0]
