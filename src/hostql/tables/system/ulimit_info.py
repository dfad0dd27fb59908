"""ulimit_info: the resource limits (getrlimit) of the querying process."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

# osquery walks a std::map, so its rows come in name order; Linux has no sbsize/npts/swap.
_ORDER = (
    "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
    "nproc", "rss", "rtprio", "sigpending", "stack",
)  # fmt: skip


@table(
    "ulimit_info",
    "System resource usage limits.",
    platforms=(LINUX, MACOS),
    examples=("select * from ulimit_info",),
    notes="The limits of the hostql process itself, read from /proc/self/limits.",
    columns=[
        Column("type", TEXT, "System resource to be limited"),
        Column("soft_limit", TEXT, "Current limit value"),
        Column("hard_limit", TEXT, "Maximum limit value"),
    ],
)
def ulimit_info(ctx: QueryContext) -> Iterator[Row]:
    """One row per resource; RLIM_INFINITY reads 'unlimited'."""
    try:
        limits = ctx.host.process_maps.limits()
    except (FileNotFoundError, PermissionError):
        return
    for name in _ORDER:
        pair = limits.get(name)
        if pair is not None:
            yield {"type": name, "soft_limit": pair[0], "hard_limit": pair[1]}
