"""ssh_configs: the options of users' ~/.ssh/config and of /etc/ssh/ssh_config."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.accounts import as_id
from hostql.host.user_files import SYSTEM_SSH_CONFIG
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "ssh_configs",
    "A table of parsed ssh_configs.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    no_pkey=True,
    examples=("select * from users join ssh_configs using (uid)",),
    notes="As in osquery, without a uid constraint only the current user's ~/.ssh/config is "
    "read, and /etc/ssh/ssh_config is always reported with uid 0. Lines are lower-cased; "
    "'host ' and 'match ' lines start a block; Include directives are not followed.",
    columns=[
        Column(
            "uid",
            BIGINT,
            "The local owner of the ssh_config file",
            additional=True,
            optimized=True,
        ),
        Column("block", TEXT, "The host or match block"),
        Column("option", TEXT, "The option and value"),
        Column("ssh_config_file", TEXT, "Path to the ssh_config file"),
    ],
)
def ssh_configs(ctx: QueryContext) -> Iterator[Row]:
    """Options of each selected user's ~/.ssh/config, then of the system-wide ssh_config."""
    reader = ctx.host.user_files
    uids = ctx.equals("uid")
    for home in reader.homes(uids):
        yield from reader.ssh_config(home.uid, home.join(".ssh/config"))
    if uids is None or 0 in {as_id(u) for u in uids}:
        yield from reader.ssh_config(0, SYSTEM_SSH_CONFIG)
