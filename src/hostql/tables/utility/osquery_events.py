"""osquery_events: every event publisher and subscriber, with hostql's loss counters."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "osquery_events",
    "Information about the event publishers and subscribers.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=(
        "select name, type, events, active from osquery_events",
        "select name, dropped, lost, queue_overflows, expired, evicted from osquery_events",
    ),
    notes="The hidden hostql columns count every way an event can be lost: dropped (a "
    "publisher's queue was full; for a subscriber, rows it failed to make or store), lost "
    "(reported lost by the source; for a subscriber, rows removed before every scheduled "
    "query reading it had read them), queue_overflows (the kernel's queue overflowed), "
    "expired and evicted (rows removed by events_expiry and events_max).",
    columns=[
        Column("name", TEXT, "Event publisher or subscriber name"),
        Column("publisher", TEXT, "Name of the associated publisher"),
        Column("type", TEXT, "Either publisher or subscriber"),
        Column(
            "subscriptions",
            INTEGER,
            "Number of subscriptions the publisher received or subscriber used",
        ),
        Column("events", INTEGER, "Number of events emitted or received since osquery started"),
        Column("refreshes", INTEGER, "Publisher only: number of runloop restarts"),
        Column("active", INTEGER, "1 if the publisher or subscriber is active else 0"),
        Column(
            "dropped", BIGINT, "Events dropped by a full queue or failed rows", hostql_only=True
        ),
        Column("lost", BIGINT, "Events lost at the source or before being read", hostql_only=True),
        Column("queue_overflows", BIGINT, "Kernel event queue overflows", hostql_only=True),
        Column("expired", BIGINT, "Subscriber rows removed by events_expiry", hostql_only=True),
        Column("evicted", BIGINT, "Subscriber rows removed by events_max", hostql_only=True),
        Column("buffered", BIGINT, "Events queued (publisher) or rows stored", hostql_only=True),
        Column("last_error", TEXT, "Why it last failed or is inactive", hostql_only=True),
        Column("counters", TEXT, "Every counter, as a JSON object", hostql_only=True),
    ],
)
def osquery_events(ctx: QueryContext) -> Iterator[Row]:
    """The running runtime's rows; without one, the built-in sources, inactive."""
    store = ctx.runtime.events
    if store is not None and getattr(store, "running", False):
        yield from store.describe()
        return
    from hostql.events.publishers import PUBLISHERS, SUBSCRIBERS

    idle = {"subscriptions": 0, "events": 0, "refreshes": 0, "active": 0}
    for name in PUBLISHERS:
        yield {"name": name, "publisher": name, "type": "publisher", **idle}
    for name, (publisher, _) in SUBSCRIBERS.items():
        yield {"name": name, "publisher": publisher, "type": "subscriber", **idle}
