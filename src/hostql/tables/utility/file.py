"""file: stat(2) attributes of paths and directory entries, found by =, IN and LIKE."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hostql.host.files import text_path
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

if TYPE_CHECKING:
    from hostql.host.files import Files, Found

_STAT_COLUMNS = (
    "inode",
    "uid",
    "gid",
    "mode",
    "device",
    "size",
    "block_size",
    "atime",
    "mtime",
    "ctime",
    "btime",
    "hard_links",
    "symlink",
    "type",
    "symlink_target_path",
)


@table(
    "file",
    "Interactive filesystem attributes and metadata.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=(
        "select * from file where path = '/etc/passwd'",
        "select * from file where directory = '/etc/'",
        "select * from file where path LIKE '/etc/%'",
    ),
    notes="On Linux, btime comes from statx(2) where the C library and filesystem provide it, "
    "else 0 (osquery always reports 0). Directories matched by a LIKE pattern are reported "
    "with a trailing '/', filename '.', as osquery's glob does.",
    columns=[
        Column("path", TEXT, "Absolute file path", required=True, index=True, optimized=True),
        Column("directory", TEXT, "Directory of file(s)", required=True, optimized=True),
        Column("filename", TEXT, "Name portion of file path"),
        Column("inode", BIGINT, "Filesystem inode number"),
        Column("uid", BIGINT, "Owning user ID"),
        Column("gid", BIGINT, "Owning group ID"),
        Column("mode", TEXT, "Permission bits"),
        Column("device", BIGINT, "Device ID (optional)"),
        Column("size", BIGINT, "Size of file in bytes"),
        Column("block_size", INTEGER, "Block size of filesystem"),
        Column("atime", BIGINT, "Last access time"),
        Column("mtime", BIGINT, "Last modification time"),
        Column("ctime", BIGINT, "Last status change time"),
        Column("btime", BIGINT, "(B)irth or (cr)eate time"),
        Column("hard_links", INTEGER, "Number of hard links"),
        Column("symlink", INTEGER, "1 if the path is a symlink, otherwise 0"),
        Column("type", TEXT, "File status"),
        Column("symlink_target_path", TEXT, "Full path of the symlink target if any"),
        Column("attributes", TEXT, "", platforms=("windows",)),
        Column("volume_serial", TEXT, "", platforms=("windows",)),
        Column("file_id", TEXT, "", platforms=("windows",)),
        Column("file_version", TEXT, "", collate="VERSION", platforms=("windows",)),
        Column("product_version", TEXT, "", collate="VERSION", platforms=("windows",)),
        Column("original_filename", TEXT, "", platforms=("windows",)),
        Column("shortcut_target_path", TEXT, "", platforms=("windows",)),
        Column("shortcut_target_type", TEXT, "", platforms=("windows",)),
        Column("shortcut_target_location", TEXT, "", platforms=("windows",)),
        Column("shortcut_start_in", TEXT, "", platforms=("windows",)),
        Column("shortcut_run", TEXT, "", platforms=("windows",)),
        Column("shortcut_comment", TEXT, "", platforms=("windows",)),
        Column("bsd_flags", TEXT, "", platforms=("macos",)),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
        Column(
            "mount_namespace_id",
            TEXT,
            "Mount namespace id",
            hidden=True,
            platforms=("linux",),
        ),
    ],
)
def file(ctx: QueryContext) -> Iterator[Row]:
    """Rows for the paths given or matched by path, then the entries of directories given."""
    files: Files = ctx.host.files
    builder = _RowBuilder(ctx, files)
    with_directories = bool(ctx.equals("directory") or ctx.patterns("directory"))
    emitted: set[str] | None = set() if with_directories else None
    row_of = builder.row
    for path, real, entry in path_sources(ctx, files):
        row = row_of(path, real, entry, None)
        if row is not None:
            if emitted is not None:
                emitted.add(path)
            yield row
    if not with_directories:
        return
    for directory, (path, real, entry) in directory_entries(ctx, files):
        # A row a path constraint already produced would only repeat itself.
        if emitted and path in emitted:
            continue
        row = row_of(path, real, entry, directory)
        if row is not None:
            yield row


def path_sources(ctx: QueryContext, files: Files) -> Iterator[Found]:
    """Paths from = / IN (sorted, as osquery's set orders them), then LIKE expansions."""
    equals = sorted(str(v) for v in ctx.equals("path") or () if v != "")
    patterns = ctx.patterns("path")
    if not equals and len(patterns) == 1:
        return files.expand(patterns[0])
    return _merged_sources(files, equals, patterns)


def _merged_sources(files: Files, equals: list[str], patterns: list[str]) -> Iterator[Found]:
    seen = set(equals)
    for path in equals:
        yield path, files.real(path), None
    for pattern in patterns:
        for found in files.expand(pattern):
            if found[0] not in seen:
                seen.add(found[0])
                yield found


def directory_entries(ctx: QueryContext, files: Files) -> Iterator[tuple[str, Found]]:
    """(directory as given, entry) for each directory named by = / IN or matched by LIKE."""
    directories = sorted({str(v) for v in ctx.equals("directory") or () if v != ""})
    for pattern in ctx.patterns("directory"):
        directories.extend(found[0] for found in files.expand(pattern, folders=True))
    for directory in dict.fromkeys(directories):
        for found in files.list_dir(directory):
            yield directory, found


def split_path(path: str) -> tuple[str, str]:
    """boost's (filename, parent_path): a trailing '/' names '.' inside that directory."""
    if path == "/":
        return "/", ""
    if path.endswith("/"):
        return ".", path.rstrip("/") or "/"
    head, sep, tail = path.rpartition("/")
    if not sep:
        return tail, ""
    return tail, head.rstrip("/") or "/"


class _RowBuilder:
    """Builds rows with only the work the used columns need."""

    def __init__(self, ctx: QueryContext, files: Files) -> None:
        self.files = files
        self.wants_names = ctx.uses_any(("filename", "directory"))
        self.wants_stat = ctx.uses_any(_STAT_COLUMNS)
        self.wants_btime = ctx.uses("btime")
        self.wants_target = ctx.uses("symlink_target_path")

    def row(
        self, path: str, real: str, entry: os.DirEntry[str] | None, directory: str | None
    ) -> Row | None:
        """One row (directory: the listed directory, else from path), None if lstat fails."""
        text = text_path(path)
        row: Row = {"path": text, "pid_with_namespace": 0}
        if self.wants_names:
            if directory is None:
                row["filename"], row["directory"] = split_path(text)
            else:
                row["filename"], row["directory"] = text.rpartition("/")[2], directory
        # A scandir entry exists; a path from a constraint must be checked like osquery's lstat.
        if entry is not None and not self.wants_stat:
            return row
        files = self.files
        link = files.lstat(real, entry)
        if link is None:
            return None
        if not self.wants_stat:
            return row
        is_link = stat.S_ISLNK(link.st_mode)
        followed = files.stat(real, entry) if is_link else link
        st = followed or link
        row.update(
            inode=st.st_ino,
            uid=st.st_uid,
            gid=st.st_gid,
            mode=permissions(st.st_mode),
            device=st.st_rdev,
            size=st.st_size,
            block_size=st.st_blksize,
            hard_links=st.st_nlink,
            atime=st.st_atime_ns // 1_000_000_000,
            mtime=st.st_mtime_ns // 1_000_000_000,
            ctime=st.st_ctime_ns // 1_000_000_000,
            btime=files.birth_time(real) if self.wants_btime else 0,
            symlink=1 if is_link else 0,
            # osquery's type follows links (boost status); a dangling link is "unknown".
            type=file_type(followed.st_mode) if followed is not None else "unknown",
        )
        if is_link and self.wants_target:
            target = files.readlink(real)
            row["symlink_target_path"] = None if target is None else text_path(target)
        return row


def file_type(mode: int) -> str:
    """osquery's type name of a stat mode."""
    return _TYPE_NAMES.get(stat.S_IFMT(mode), "unknown")


def permissions(mode: int) -> str:
    """osquery's lsperms: the four octal permission digits."""
    return f"{mode & 0o7777:04o}"


_TYPE_NAMES = {
    stat.S_IFREG: "regular",
    stat.S_IFDIR: "directory",
    stat.S_IFLNK: "symlink",
    stat.S_IFBLK: "block",
    stat.S_IFCHR: "character",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
}
