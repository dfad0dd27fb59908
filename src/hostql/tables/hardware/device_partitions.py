"""device_partitions: the volume system entries of a disk device or image, via TSK."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# TSK_VS_PART_FLAG_ENUM
PART_ALLOC = 0x01
PART_UNALLOC = 0x02
PART_META = 0x04


@table(
    "device_partitions",
    "Use TSK to enumerate details about partitions on a disk device.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from device_partitions where device = '/dev/vda'",),
    notes="Reads the device node (root). Like osquery, a device without a partition table "
    "(a bare filesystem) has no rows.",
    columns=[
        Column("device", TEXT, "Absolute file path to device node", required=True),
        Column("partition", INTEGER, "A partition number or description"),
        Column("label", TEXT, "The partition name as stored in the partition table"),
        Column(
            "type",
            TEXT,
            "Filesystem type if recognized, otherwise, 'meta', 'normal', or 'unallocated'",
        ),
        Column("offset", BIGINT, "Byte offset from the start of the volume"),
        Column("blocks_size", BIGINT, "Byte size of each block"),
        Column("blocks", BIGINT, "Number of blocks"),
        Column("inodes", BIGINT, "Number of meta nodes"),
        Column(
            "flags",
            INTEGER,
            "Value that describes the partition (TSK_VS_PART_FLAG_ENUM)",
        ),
    ],
)
def device_partitions(ctx: QueryContext) -> Iterator[Row]:
    """One row per volume system entry; a recognised filesystem describes its partition."""
    for device in sorted(str(d) for d in ctx.equals("device") or ()):
        image = ctx.host.filesystem_image.open(device)
        if image is None:
            continue
        for part in image.partitions():
            row: Row = {"device": device, "partition": part.address, "label": part.description}
            filesystem = image.filesystem(part)
            if filesystem is None:
                if part.flags & PART_META:
                    row["type"] = "meta"
                elif part.flags & PART_UNALLOC:
                    row["type"] = "unallocated"
                else:
                    row["type"] = "normal"
                row["offset"] = part.start * image.block_size
                row["blocks_size"] = image.block_size
                row["blocks"] = part.length
                row["inodes"] = -1
                row["flags"] = part.flags
            else:
                info = filesystem.info
                row["type"] = info.type
                row["flags"] = info.flags
                row["offset"] = part.start * image.block_size
                row["blocks_size"] = info.block_size
                row["blocks"] = info.block_count
                row["inodes"] = info.inode_count
            yield row
