"""etc_protocols: the protocol numbers of /etc/protocols."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "etc_protocols",
    "Line-parsed /etc/protocols.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from etc_protocols where name = 'tcp'",),
    columns=[
        Column("name", TEXT, "Protocol name"),
        Column("number", INTEGER, "Protocol number"),
        Column("alias", TEXT, "Protocol alias"),
        Column("comment", TEXT, "Comment with protocol description"),
    ],
)
def etc_protocols(ctx: QueryContext) -> Iterator[Row]:
    """One row per protocol line: name, number, first alias and the text after '#'."""
    yield from ctx.host.etc_files.protocols()
