"""device_file: files inside a partition of a disk device or image, read with TSK."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.filesystem_image import Entry, inode_number, leaf
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


def file_row(device: str, partition: str, block_size: int, entry: Entry) -> Row:
    """The columns of one file; mode is the permission bits in decimal, as osquery prints."""
    return {
        "device": device,
        "partition": partition,
        "path": entry.path,
        "filename": None if entry.path is None else leaf(entry.path),
        "inode": entry.inode,
        "uid": entry.uid,
        "gid": entry.gid,
        "mode": str(entry.mode),
        "size": entry.size,
        "block_size": block_size,
        "atime": entry.atime,
        "mtime": entry.mtime,
        "ctime": entry.crtime,
        "hard_links": entry.links,
        "type": entry.type,
    }


@table(
    "device_file",
    "Similar to the file table, but use TSK and allow block address access.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from device_file where device = '/dev/vda' and partition = '1' "
        "and path = '/etc/hostname'",
    ),
    notes="Needs one device and exactly one partition (its number in device_partitions). "
    "Without a path or inode it walks the partition: regular files only, at most 1025 "
    "directories and 10241 entries. Files found by inode have no path on filesystems that "
    "keep names only in directories (ext*); osquery skips those, hostql returns them.",
    columns=[
        Column("device", TEXT, "Absolute file path to device node", required=True, index=True),
        Column("partition", TEXT, "A partition number", required=True, index=True),
        Column("path", TEXT, "A logical path within the device node", additional=True),
        Column("filename", TEXT, "Name portion of file path"),
        Column("inode", BIGINT, "Filesystem inode number", index=True),
        Column("uid", BIGINT, "Owning user ID"),
        Column("gid", BIGINT, "Owning group ID"),
        Column("mode", TEXT, "Permission bits"),
        Column("size", BIGINT, "Size of file in bytes"),
        Column("block_size", INTEGER, "Block size of filesystem"),
        Column("atime", BIGINT, "Last access time"),
        Column("mtime", BIGINT, "Last modification time"),
        Column("ctime", BIGINT, "Creation time"),
        Column("hard_links", INTEGER, "Number of hard links"),
        Column("type", TEXT, "File status"),
    ],
)
def device_file(ctx: QueryContext) -> Iterator[Row]:
    """Files by path, by inode, or (with neither) every regular file of the partition."""
    devices = sorted(str(d) for d in ctx.equals("device") or ())
    partitions = {str(p) for p in ctx.equals("partition") or ()}
    if not devices or len(partitions) != 1:
        ctx.warn("Device files require at least one device and a single partition")
        return
    partition = partitions.pop()
    paths = sorted(str(p) for p in ctx.equals("path") or ())
    inodes = sorted(str(i) for i in ctx.equals("inode") or ())
    for device in devices:
        image = ctx.host.filesystem_image.open(device)
        if image is None:
            continue
        for part in image.partitions():
            if str(part.address) != partition:
                continue
            filesystem = image.filesystem(part)
            if filesystem is None:
                continue
            block_size = filesystem.info.block_size
            if not paths and not inodes:
                for entry in filesystem.walk():
                    yield file_row(device, partition, block_size, entry)
            for path in paths:
                found = filesystem.by_path(path)
                if found is not None:
                    yield file_row(device, partition, block_size, found)
            for inode in inodes:
                found = filesystem.by_inode(inode_number(inode))
                if found is not None:
                    yield file_row(device, partition, block_size, found)
