"""process_open_files: the file descriptors of each process that refer to files."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.procfs import Procfs
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

# Descriptors that are no file on a filesystem (process_open_sockets and
# process_open_pipes cover the first and the last).
_NOT_FILES = ("socket:", "anon_inode:", "pipe:")


@table(
    "process_open_files",
    "File descriptors for each process.",
    platforms=(LINUX, MACOS),
    examples=("select * from process_open_files where pid = 1",),
    notes="Sockets, pipes and anonymous inodes (eventfd, epoll, ...) are left out, as in "
    "osquery. A deleted file keeps the kernel's ' (deleted)' suffix in path.",
    columns=[
        Column("pid", BIGINT, "Process (or thread) ID", index=True),
        Column("fd", BIGINT, "Process-specific file descriptor number"),
        Column("path", TEXT, "Filesystem path of descriptor"),
    ],
)
def process_open_files(ctx: QueryContext) -> Iterator[Row]:
    """One row per descriptor in /proc/<pid>/fd whose link names a file."""
    procfs: Procfs = ctx.host.procfs
    for pid in procfs.pids(ctx.equals("pid")):
        try:
            descriptors = procfs.descriptors(pid)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # process exited mid-scan, or its descriptors are not ours to read
        for fd, target in descriptors:
            if not target.startswith(_NOT_FILES):
                yield {"pid": pid, "fd": fd, "path": target}
