"""lxd_storage_pools: the storage pools of an LXD server."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import field, integer, text
from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

RESOURCES = ("space_used", "space_total", "inodes_used", "inodes_total")


@table(
    "lxd_storage_pools",
    "LXD storage pool information.",
    platforms=(LINUX,),
    examples=("select * from lxd_storage_pools",),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("name", TEXT, "Name of the storage pool"),
        Column("driver", TEXT, "Storage driver"),
        Column("source", TEXT, "Storage pool source"),
        Column("size", TEXT, "Size of the storage pool"),
        Column("space_used", BIGINT, "Storage space used in bytes"),
        Column(
            "space_total", BIGINT, "Total available storage space in bytes for this storage pool"
        ),
        Column("inodes_used", BIGINT, "Number of inodes used"),
        Column("inodes_total", BIGINT, "Total number of inodes available in this storage pool"),
    ],
)
def lxd_storage_pools(ctx: QueryContext) -> Iterator[Row]:
    """One row per storage pool, with its space and inode usage."""
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    for pool in client.storage_pools() or ():
        name = text(pool.get("name"))
        row: Row = {
            "name": name,
            "driver": text(pool.get("driver")),
            "source": text(field(pool, "config", "source")),
            "size": text(field(pool, "config", "size")),
        }
        resources = (
            client.storage_pool_resources(name) if name and ctx.uses_any(RESOURCES) else None
        )
        if resources is not None:
            for column in RESOURCES:
                kind, _, measure = column.partition("_")
                row[column] = integer(field(resources, kind, measure), None)
        yield row
