"""authorized_keys: the keys of users' ~/.ssh/authorized_keys and authorized_keys2."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "authorized_keys",
    "A line-delimited authorized_keys table.",
    platforms=(LINUX, MACOS),
    user_data=True,
    no_pkey=True,
    examples=("select * from users join authorized_keys using (uid)",),
    notes="As in osquery, without a uid constraint only the current user's files are read; "
    "join users (or give uid = / IN) to read other users' homes. Recognised key types: "
    "ssh-rsa, ssh-ed25519 and ecdsa-sha2-nistp256/384/521; other lines are kept only when an "
    "option is zos-key-ring-label=. pid_with_namespace is not supported.",
    columns=[
        Column("uid", BIGINT, "The local owner of authorized_keys file", additional=True),
        Column("algorithm", TEXT, "Key type"),
        Column("key", TEXT, "Key encoded as base64"),
        Column("options", TEXT, "Optional list of login options"),
        Column("comment", TEXT, "Optional comment"),
        Column("key_file", TEXT, "Path to the authorized_keys file"),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def authorized_keys(ctx: QueryContext) -> Iterator[Row]:
    """One row per key line of each selected user's authorized_keys files."""
    reader = ctx.host.user_files
    for home in reader.homes(ctx.equals("uid")):
        yield from reader.authorized_keys(home)
