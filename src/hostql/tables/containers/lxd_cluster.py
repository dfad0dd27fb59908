"""lxd_cluster: the clustering settings of an LXD server."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import flag, text
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "lxd_cluster",
    "LXD cluster information.",
    platforms=(LINUX,),
    examples=("select * from lxd_cluster",),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("server_name", TEXT, "Name of the LXD server node"),
        Column("enabled", INTEGER, "Whether clustering enabled (1) or not (0) on this node"),
        Column("member_config_entity", TEXT, "Type of configuration parameter for this node"),
        Column("member_config_name", TEXT, "Name of configuration parameter"),
        Column("member_config_key", TEXT, "Config key"),
        Column("member_config_value", TEXT, "Config value"),
        Column("member_config_description", TEXT, "Config description"),
    ],
)
def lxd_cluster(ctx: QueryContext) -> Iterator[Row]:
    """One row: GET /1.0/cluster, with the last entry of its member_config."""
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    cluster = client.cluster()
    if cluster is None:
        return
    row: Row = {
        "server_name": text(cluster.get("server_name")),
        "enabled": flag(cluster.get("enabled")),
    }
    # osquery overwrites one row with each member_config entry: the last one stays.
    for entry in cluster.get("member_config") or ():
        if isinstance(entry, dict):
            row["member_config_entity"] = text(entry.get("entity"))
            row["member_config_name"] = text(entry.get("name"))
            row["member_config_key"] = text(entry.get("key"))
            row["member_config_value"] = text(entry.get("value"))
            row["member_config_description"] = text(entry.get("description"))
    yield row
