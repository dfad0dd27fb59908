"""device_hash: MD5, SHA1 and SHA256 of an inode's content inside a disk device or image."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.filesystem_image import inode_number
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "device_hash",
    "Similar to the hash table, but use TSK and allow block address access.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from device_hash where device = '/dev/vda' and partition = '1' and inode = 12",
    ),
    notes="Empty hashes for an empty file or a short read. osquery returns nothing for "
    "inodes whose filesystem keeps no name in the inode (ext*); hostql hashes them.",
    columns=[
        Column("device", TEXT, "Absolute file path to device node", required=True),
        Column("partition", TEXT, "A partition number", required=True),
        Column("inode", BIGINT, "Filesystem inode number", required=True),
        Column("md5", TEXT, "MD5 hash of provided inode data", collate="NOCASE"),
        Column("sha1", TEXT, "SHA1 hash of provided inode data", collate="NOCASE"),
        Column("sha256", TEXT, "SHA256 hash of provided inode data", collate="NOCASE"),
    ],
)
def device_hash(ctx: QueryContext) -> Iterator[Row]:
    """One row per inode constraint found in the (first) partition constraint."""
    partitions = sorted(str(p) for p in ctx.equals("partition") or ())
    inodes = sorted(str(i) for i in ctx.equals("inode") or ())
    if not partitions or not inodes:
        return
    for device in sorted(str(d) for d in ctx.equals("device") or ()):
        image = ctx.host.filesystem_image.open(device)
        if image is None:
            continue
        for part in image.partitions():
            if str(part.address) != partitions[0]:
                continue
            filesystem = image.filesystem(part)
            if filesystem is None:
                continue
            for inode in inodes:
                digests = filesystem.hashes(inode_number(inode))
                if digests is None:
                    continue
                md5, sha1, sha256 = digests
                yield {
                    "device": device,
                    "partition": partitions[0],
                    "inode": inode,
                    "md5": md5,
                    "sha1": sha1,
                    "sha256": sha256,
                }
