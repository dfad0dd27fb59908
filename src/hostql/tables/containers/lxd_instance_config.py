"""lxd_instance_config: the configuration of LXD instances."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import text
from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "lxd_instance_config",
    "LXD instance configuration information.",
    platforms=(LINUX,),
    examples=("select * from lxd_instance_config where name = 'hello'",),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("name", TEXT, "Instance name", required=True, index=True),
        Column("key", TEXT, "Configuration parameter name"),
        Column("value", TEXT, "Configuration parameter value"),
    ],
)
def lxd_instance_config(ctx: QueryContext) -> Iterator[Row]:
    """One row per config key of each queried instance."""
    names = ctx.equals("name")
    if not names:
        return
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    for name in sorted(map(str, names)):
        config = (client.instance(name) or {}).get("config")
        if not isinstance(config, dict):
            continue
        for key, value in config.items():
            yield {"name": name, "key": key, "value": text(value)}
