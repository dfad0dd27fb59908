"""lxd_cluster_members: the members of an LXD cluster."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import flag, text
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "lxd_cluster_members",
    "LXD cluster members information.",
    platforms=(LINUX,),
    examples=("select * from lxd_cluster_members",),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("server_name", TEXT, "Name of the LXD server node"),
        Column("url", TEXT, "URL of the node"),
        Column("database", INTEGER, "Whether the server is a database node (1) or not (0)"),
        Column("status", TEXT, "Status of the node (Online/Offline)"),
        Column("message", TEXT, "Message from the node (Online/Offline)"),
    ],
)
def lxd_cluster_members(ctx: QueryContext) -> Iterator[Row]:
    """One row per cluster member."""
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    for member in client.cluster_members() or ():
        yield {
            "server_name": text(member.get("server_name")),
            "url": text(member.get("url")),
            "database": flag(member.get("database")),
            "status": text(member.get("status")),
            "message": text(member.get("message")),
        }
