"""etc_services: the service ports of /etc/services."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "etc_services",
    "Line-parsed /etc/services.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from etc_services where port = 22",),
    columns=[
        Column("name", TEXT, "Service name"),
        Column("port", INTEGER, "Service port number"),
        Column("protocol", TEXT, "Transport protocol (TCP/UDP)"),
        Column("aliases", TEXT, "Optional space separated list of other names for a service"),
        Column("comment", TEXT, "Optional comment for a service."),
    ],
)
def etc_services(ctx: QueryContext) -> Iterator[Row]:
    """One row per service line: name, port/protocol, aliases and the text after '#'."""
    yield from ctx.host.etc_files.services()
