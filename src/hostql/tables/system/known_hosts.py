"""known_hosts: the lines of users' ~/.ssh/known_hosts."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "known_hosts",
    "A line-delimited known_hosts table.",
    platforms=(LINUX, MACOS),
    user_data=True,
    no_pkey=True,
    examples=("select * from users join known_hosts using (uid)",),
    notes="As in osquery, without a uid constraint only the current user's file is read; join "
    "users (or give uid = / IN) to read other users' homes.",
    columns=[
        Column(
            "uid",
            BIGINT,
            "The local user that owns the known_hosts file",
            index=True,
            optimized=True,
        ),
        Column("key", TEXT, "parsed authorized keys line"),
        Column("key_file", TEXT, "Path to known_hosts file"),
    ],
)
def known_hosts(ctx: QueryContext) -> Iterator[Row]:
    """One row per non-comment line of each selected user's ~/.ssh/known_hosts."""
    reader = ctx.host.user_files
    for home in reader.homes(ctx.equals("uid")):
        yield from reader.known_hosts(home)
