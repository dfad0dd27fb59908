"""uptime: time passed since the last boot."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "uptime",
    "Track time passed since last boot. Some systems track this as calendar time, some as runtime.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from uptime",),
    columns=[
        Column("days", INTEGER, "Days of uptime"),
        Column("hours", INTEGER, "Hours of uptime"),
        Column("minutes", INTEGER, "Minutes of uptime"),
        Column("seconds", INTEGER, "Seconds of uptime"),
        Column("total_seconds", BIGINT, "Total uptime seconds"),
    ],
)
def uptime(ctx: QueryContext) -> Iterator[Row]:
    """One row: /proc/uptime split into days, hours, minutes and seconds."""
    total = int(ctx.host.procfs.uptime_seconds())
    yield {
        "days": total // 86_400,
        "hours": total % 86_400 // 3_600,
        "minutes": total % 3_600 // 60,
        "seconds": total % 60,
        "total_seconds": total,
    }
