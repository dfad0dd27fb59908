"""memory_info: main memory and swap totals from /proc/meminfo, in bytes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, Column, Row, table
from hostql.sql.context import QueryContext

_FIELDS = {
    "MemTotal:": "memory_total",
    "MemFree:": "memory_free",
    "MemAvailable:": "memory_available",
    "Buffers:": "buffers",
    "Cached:": "cached",
    "SwapCached:": "swap_cached",
    "Active:": "active",
    "Inactive:": "inactive",
    "SwapTotal:": "swap_total",
    "SwapFree:": "swap_free",
}


@table(
    "memory_info",
    "Main memory information in bytes.",
    platforms=(LINUX,),
    examples=("select * from memory_info",),
    columns=[
        Column("memory_total", BIGINT, "Total amount of physical RAM, in bytes"),
        Column(
            "memory_free",
            BIGINT,
            "The amount of physical RAM, in bytes, left unused by the system",
        ),
        Column(
            "memory_available",
            BIGINT,
            "The amount of physical RAM, in bytes, available for starting new applications, "
            "without swapping",
        ),
        Column("buffers", BIGINT, "The amount of physical RAM, in bytes, used for file buffers"),
        Column("cached", BIGINT, "The amount of physical RAM, in bytes, used as cache memory"),
        Column("swap_cached", BIGINT, "The amount of swap, in bytes, used as cache memory"),
        Column(
            "active",
            BIGINT,
            "The total amount of buffer or page cache memory, in bytes, that is in active use",
        ),
        Column(
            "inactive",
            BIGINT,
            "The total amount of buffer or page cache memory, in bytes, that are free and "
            "available",
        ),
        Column("swap_total", BIGINT, "The total amount of swap available, in bytes"),
        Column("swap_free", BIGINT, "The total amount of swap free, in bytes"),
    ],
)
def memory_info(ctx: QueryContext) -> Iterator[Row]:
    """One row, always (osquery yields it even when /proc/meminfo cannot be read)."""
    row: Row = {}
    try:
        text = ctx.host.kernel.meminfo_text()
    except (FileNotFoundError, PermissionError):
        text = ""
    for line in text.split("\n"):
        words = line.split()
        column = _FIELDS.get(words[0]) if words else None
        # kB in the file; a line whose value is no number leaves the column NULL.
        if column is not None and len(words) > 1 and words[1].isdigit():
            row[column] = int(words[1]) * 1024
    yield row
