"""block_devices: block devices from sysfs, with libblkid's type, UUID and label."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "block_devices",
    "Block (buffered access) device file nodes: disks, ramdisks, and DMG containers.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from block_devices",
        "select name, size, block_size from block_devices where name = '/dev/vda'",
    ),
    notes="type, uuid and label need to read the device node (root): empty otherwise.",
    columns=[
        Column("name", TEXT, "Block device name", index=True),
        Column("parent", TEXT, "Block device parent name"),
        Column("vendor", TEXT, "Block device vendor string"),
        Column("model", TEXT, "Block device model string identifier"),
        Column("serial", TEXT, "Disk serial number"),
        Column("size", BIGINT, "Block device size in blocks"),
        Column("block_size", INTEGER, "Block size in bytes"),
        Column("uuid", TEXT, "Block device Universally Unique Identifier", collate="NOCASE"),
        Column("type", TEXT, "Block device type string"),
        Column("label", TEXT, "Block device label string"),
    ],
)
def block_devices(ctx: QueryContext) -> Iterator[Row]:
    """One row per block device, sorted by name; partitions inherit their disk's identity."""
    reader = ctx.host.devices
    devices = reader.block_devices()
    wanted = ctx.equals("name")
    probe = ctx.uses_any(("uuid", "type", "label"))
    for name in sorted(devices):
        if wanted is not None and name not in wanted:
            continue
        device = devices[name]
        reader.describe(device, devices)
        superblock = ctx.host.blkid.probe(name) if probe else None
        yield {
            "name": name,
            "parent": device.parent,
            "vendor": device.vendor,
            "model": device.model,
            "serial": device.serial,
            "size": device.size,
            "block_size": device.block_size,
            "uuid": superblock.uuid if superblock else None,
            "type": superblock.type if superblock else None,
            "label": superblock.label if superblock else None,
        }
