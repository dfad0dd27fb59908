"""hostql_delivery_queues: every remote sink's durable spool (hostql only, not an osquery table)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hostql.schema import BIGINT, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "hostql_delivery_queues",
    "Lines waiting for each remote logger sink (tls, kafka_producer) in hostqld's spool.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=(
        "select sink, queued_lines, oldest_age, dropped, last_error from hostql_delivery_queues",
        "select sink from hostql_delivery_queues where last_error != ''",
    ),
    notes="hostql only. Filled by hostqld while a remote logger runs; empty in hostqli. "
    "Lines leave a queue only once the sink acknowledged them; past --buffered_log_max lines "
    "or --buffered_log_max_bytes bytes the oldest are dropped and counted in `dropped`.",
    columns=[
        Column("sink", TEXT, "Sink name: tls_result, tls_status, kafka_producer..."),
        Column("queued_lines", BIGINT, "Lines waiting for the sink to acknowledge them"),
        Column("queued_bytes", BIGINT, "Bytes of the waiting lines"),
        Column("oldest_age", BIGINT, "Seconds since the oldest waiting line was queued"),
        Column("dropped", BIGINT, "Lines dropped at the queue's caps since it was created"),
        Column("last_error", TEXT, "The sink's latest delivery error, empty once it delivers"),
        Column("max_lines", BIGINT, "The line cap (--buffered_log_max, 0: none)"),
        Column("max_bytes", BIGINT, "The byte cap (--buffered_log_max_bytes, 0: none)"),
    ],
)
def hostql_delivery_queues(ctx: QueryContext) -> Iterator[Row]:
    """One row per spool of the running daemon (through Runtime.delivery_queues)."""
    rows: Callable[[], list[dict[str, Any]]] | None = getattr(ctx.runtime, "delivery_queues", None)
    if rows is None:
        return
    yield from rows()
