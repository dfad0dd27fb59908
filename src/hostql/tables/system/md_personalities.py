"""md_personalities: the software RAID levels the kernel's md driver supports."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "md_personalities",
    "Software RAID setting supported by the kernel.",
    platforms=(LINUX,),
    examples=("select * from md_personalities",),
    notes="From the Personalities line of /proc/mdstat; empty without the md driver.",
    columns=[
        Column("name", TEXT, "Name of personality supported by kernel"),
    ],
)
def md_personalities(ctx: QueryContext) -> Iterator[Row]:
    """One row per `[name]` of the Personalities line."""
    for name in ctx.host.mdstat.mdstat().personalities:
        yield {"name": name}
