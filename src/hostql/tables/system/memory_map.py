"""memory_map: the physical memory regions of /proc/iomem."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "memory_map",
    "OS memory region map.",
    platforms=(LINUX,),
    examples=(
        "select * from memory_map",
        "select start, end from memory_map where name = 'System RAM'",
    ),
    notes="Reads /proc/iomem, nested regions included; the kernel shows every address as "
    "zero unless run as root. Unlike osquery, `end` carries no trailing space.",
    columns=[
        Column("name", TEXT, "Region name"),
        Column("start", TEXT, "Start address of memory region"),
        Column("end", TEXT, "End address of memory region"),
    ],
)
def memory_map(ctx: QueryContext) -> Iterator[Row]:
    """One row per `start-end : name` line of /proc/iomem."""
    try:
        text = ctx.host.kernel.iomem_text()
    except (FileNotFoundError, PermissionError):
        return
    for raw in text.split("\n"):
        line = raw.strip()
        dash = line.find("-")
        # osquery cuts the end address at the first space or colon after it.
        cut = min((i for i in (line.find(" ", dash), line.find(":", dash)) if i != -1), default=-1)
        if dash <= 0 or cut == -1 or len(line) <= cut + 3:
            continue
        yield {
            "name": line[cut + 3 :],
            "start": "0x" + line[:dash],
            "end": "0x" + line[dash + 1 : cut],
        }
