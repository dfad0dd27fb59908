"""mounts: the mount table (/proc/mounts) with each filesystem's statfs(2) figures."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_STATFS_COLUMNS = (
    "blocks_size",
    "blocks",
    "blocks_free",
    "blocks_available",
    "inodes",
    "inodes_free",
)


@table(
    "mounts",
    "System mounted devices and filesystems (not process specific).",
    platforms=(LINUX, MACOS),
    examples=("select device, path, type, blocks_available * blocks_size as free from mounts",),
    notes="statfs figures are reported in full (osquery narrows them to 32 bits).",
    columns=[
        Column("device", TEXT, "Mounted device"),
        Column("device_alias", TEXT, "Mounted device alias"),
        Column("path", TEXT, "Mounted device path"),
        Column("type", TEXT, "Mounted device type"),
        Column("blocks_size", BIGINT, "Block size in bytes"),
        Column("blocks", BIGINT, "Mounted device used blocks"),
        Column(
            "blocks_free",
            BIGINT,
            "Mounted device blocks available to root users, a superset of blocks_available",
        ),
        Column("blocks_available", BIGINT, "Mounted device blocks available to non-root users"),
        Column("inodes", BIGINT, "Mounted device used inodes"),
        Column("inodes_free", BIGINT, "Mounted device free inodes"),
        Column("flags", TEXT, "Mounted device flags"),
    ],
)
def mounts(ctx: QueryContext) -> Iterator[Row]:
    """A row per mount, in /proc/mounts order; statfs figures are 0 where it fails."""
    sysinfo = ctx.host.sysinfo
    wants_statfs = ctx.uses_any(_STATFS_COLUMNS)
    wants_alias = ctx.uses("device_alias")
    for entry in sysinfo.mounts():
        row: Row = {
            "device": entry.device,
            "device_alias": sysinfo.canonical_path(entry.device) if wants_alias else None,
            "path": entry.path,
            "type": entry.type,
            "flags": entry.options,
        }
        row.update(dict.fromkeys(_STATFS_COLUMNS, 0))
        # osquery skips statfs on autofs: it would trigger the automount.
        stats = sysinfo.statfs(entry.path) if wants_statfs and entry.type != "autofs" else None
        if stats is not None:
            row.update(
                blocks_size=stats.block_size,
                blocks=stats.blocks,
                blocks_free=stats.blocks_free,
                blocks_available=stats.blocks_available,
                inodes=stats.inodes,
                inodes_free=stats.inodes_free,
            )
        yield row
