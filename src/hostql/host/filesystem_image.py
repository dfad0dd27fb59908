"""Disk images and devices read with The Sleuth Kit (pytsk3): partitions, files, contents."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.host import Host

# osquery bounds a partition walk: at most 1025 directories and 10241 entries in all.
MAX_DIRECTORIES = 1024
MAX_ENTRIES = 1024 * 10
_CHUNK = 4096


def _tsk() -> Any:
    import pytsk3  # a C extension: imported only by the tables that read images

    return pytsk3


@dataclass(frozen=True, slots=True)
class Partition:
    """A volume system entry: its address (index), description, flags and extent in blocks."""

    address: int
    description: str
    flags: int
    start: int
    length: int


@dataclass(frozen=True, slots=True)
class FileSystemInfo:
    """What TSK reports about a filesystem it recognised."""

    type: str
    flags: int
    block_size: int
    block_count: int
    inode_count: int


@dataclass(frozen=True, slots=True)
class Entry:
    """One file's metadata; path is None where TSK knows no name for it."""

    path: str | None
    inode: int
    uid: int
    gid: int
    mode: int
    size: int
    atime: int
    mtime: int
    crtime: int
    links: int
    type: str


def _type_names(tsk: Any) -> dict[int, str]:
    return {
        tsk.TSK_FS_META_TYPE_REG: "regular",
        tsk.TSK_FS_META_TYPE_DIR: "directory",
        tsk.TSK_FS_META_TYPE_LNK: "symlink",
        tsk.TSK_FS_META_TYPE_BLK: "block",
        tsk.TSK_FS_META_TYPE_CHR: "character",
        tsk.TSK_FS_META_TYPE_FIFO: "fifo",
        tsk.TSK_FS_META_TYPE_SOCK: "socket",
    }


def _fs_type_names(tsk: Any) -> dict[int, str]:
    """TSK's tsk_fs_type_toname() for the concrete types an open can report."""
    names = {
        "NTFS": "ntfs",
        "FAT12": "fat12",
        "FAT16": "fat16",
        "FAT32": "fat32",
        "EXFAT": "exfat",
        "FFS1": "ufs1",
        "FFS1B": "ufs1b",
        "FFS2": "ufs2",
        "EXT2": "ext2",
        "EXT3": "ext3",
        "EXT4": "ext4",
        "SWAP": "swap",
        "RAW": "raw",
        "ISO9660": "iso9660",
        "HFS": "hfs",
        "YAFFS2": "yaffs2",
        "APFS": "apfs",
        "LOGICAL": "logical",
    }
    return {
        getattr(tsk, f"TSK_FS_TYPE_{k}"): v
        for k, v in names.items()
        if hasattr(tsk, f"TSK_FS_TYPE_{k}")
    }


def inode_number(value: object) -> int:
    """An inode constraint as osquery reads it: base 10, 0 when it does not parse."""
    try:
        return int(str(value), 10)
    except ValueError:
        return 0


def leaf(path: str) -> str:
    """The name part of path as boost::filesystem::path::leaf() gives it."""
    if path == "/":
        return "/"
    if path.endswith("/"):
        return "."
    return path.rsplit("/", 1)[-1]


class FileSystem:
    """A filesystem TSK opened inside a partition."""

    def __init__(self, tsk: Any, handle: Any) -> None:
        self._tsk = tsk
        self._fs = handle
        self._types = _type_names(tsk)
        info = handle.info
        self.info = FileSystemInfo(
            type=_fs_type_names(tsk).get(int(info.ftype), ""),
            flags=int(info.flags),
            block_size=int(info.block_size),
            block_count=int(info.block_count),
            inode_count=int(info.inum_count),
        )

    def _entry(self, path: str | None, meta: Any) -> Entry:
        return Entry(
            path=path,
            inode=int(meta.addr),
            uid=int(meta.uid),
            gid=int(meta.gid),
            mode=int(meta.mode),
            size=int(meta.size),
            atime=int(meta.atime),
            mtime=int(meta.mtime),
            crtime=int(meta.crtime),
            links=int(meta.nlink),
            type=self._types.get(int(meta.type), "unknown"),
        )

    def walk(self) -> Iterator[Entry]:
        """Regular files under the root, directory by directory (osquery's bounded walk)."""
        tsk = self._tsk
        directories = entries = 0
        visited: set[str] = set()

        def walk_directory(path: str, inode: int) -> Iterator[Entry]:
            nonlocal directories, entries
            directories += 1
            if directories > MAX_DIRECTORIES + 1:
                return
            try:
                listing = self._fs.open_dir(inode=inode)
            except OSError:
                return
            children: dict[int, str] = {}
            for item in listing:
                entries += 1
                if entries > MAX_ENTRIES + 1:
                    break
                meta, name = item.info.meta, item.info.name
                if meta is None:
                    continue
                text = name.name.decode("utf-8", "replace") if name is not None else None
                child = (path.rstrip("/") + "/" + text) if text is not None else ""
                if meta.type == tsk.TSK_FS_META_TYPE_REG:
                    yield self._entry(child, meta)
                elif meta.type == tsk.TSK_FS_META_TYPE_DIR and text not in (None, ".", ".."):
                    children[int(meta.addr)] = child
            # Subdirectories after the files, in inode order; a path is walked once.
            for child_inode, child_path in sorted(children.items()):
                if child_path not in visited:
                    yield from walk_directory(child_path, child_inode)
                    visited.add(child_path)

        yield from walk_directory("/", int(self._fs.info.root_inum))

    def by_path(self, path: str) -> Entry | None:
        """The file at path, or None if the filesystem has no such path."""
        try:
            handle = self._fs.open(path)
        except OSError:
            return None
        meta = handle.info.meta
        return None if meta is None else self._entry(path, meta)

    def by_inode(self, inode: int) -> Entry | None:
        """The file with metadata address inode (no path: TSK keeps names in directories)."""
        try:
            handle = self._fs.open_meta(inode=inode)
        except OSError:
            return None
        meta = handle.info.meta
        return None if meta is None else self._entry(None, meta)

    def hashes(self, inode: int) -> tuple[str, str, str] | None:
        """(md5, sha1, sha256) of an inode's content ("" each if empty or cut short), or None."""
        try:
            handle = self._fs.open_meta(inode=inode)
        except OSError:
            return None
        meta = handle.info.meta
        if meta is None:
            return None
        size = int(meta.size)
        if size == 0:
            return "", "", ""
        md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
        offset = 0
        while offset < size:
            want = min(_CHUNK, size - offset)
            try:
                chunk = handle.read_random(offset, want)
            except OSError:
                return "", "", ""
            if len(chunk) != want:
                return "", "", ""
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
            offset += want
        return md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest()


class DiskImage:
    """A device node or image file holding a volume system (MBR, GPT, ...)."""

    def __init__(self, tsk: Any, image: Any, volume: Any) -> None:
        self._tsk = tsk
        self._image = image
        self._volume = volume
        self.block_size = int(volume.info.block_size)

    def partitions(self) -> list[Partition]:
        """Every volume system entry, tables and unallocated gaps included, by address."""
        return [
            Partition(
                address=int(p.addr),
                description=p.desc.decode("utf-8", "replace") if p.desc else "",
                flags=int(p.flags),
                start=int(p.start),
                length=int(p.len),
            )
            for p in self._volume
        ]

    def filesystem(self, partition: Partition) -> FileSystem | None:
        """The filesystem TSK detects at the start of partition, or None."""
        try:
            handle = self._tsk.FS_Info(self._image, offset=partition.start * self.block_size)
        except OSError:
            return None
        return FileSystem(self._tsk, handle)


class ImageReader:
    """Opens the devices and disk images of one host (reading a device needs root)."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def open(self, device: str) -> DiskImage | None:
        """The volume system on device (a host path), or None if TSK finds none."""
        tsk = _tsk()
        try:
            image = tsk.Img_Info(str(self._host.path(device)))
            volume = tsk.Volume_Info(image)
        except OSError:
            return None
        return DiskImage(tsk, image, volume)


def attach(host: Host) -> ImageReader:
    """The disk image reader of host."""
    return ImageReader(host)
