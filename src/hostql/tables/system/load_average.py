"""load_average: the system load averages over 1, 5 and 15 minutes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_PERIODS = ("1m", "5m", "15m")


@table(
    "load_average",
    "Displays information about the system wide load averages.",
    platforms=(LINUX, MACOS),
    examples=("select * from load_average;",),
    columns=[
        Column("period", TEXT, "Period over which the average is calculated."),
        Column("average", TEXT, "Load average over the specified period."),
    ],
)
def load_average(ctx: QueryContext) -> Iterator[Row]:
    """Three rows from /proc/loadavg; averages printed as C's %f (six decimals), as osquery."""
    try:
        averages = ctx.host.kernel.load_averages()
    except (FileNotFoundError, PermissionError, ValueError, IndexError):
        return
    for period, average in zip(_PERIODS, averages, strict=True):
        yield {"period": period, "average": f"{average:.6f}"}
