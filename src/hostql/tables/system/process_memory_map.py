"""process_memory_map: the memory mappings of each process (/proc/<pid>/maps)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


def map_rows(pid: int, text: str) -> Iterator[Row]:
    """osquery's rows for one maps file: `start-end perms offset dev inode [path]` lines."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        start, dash, end = fields[0].partition("-")
        if not dash:
            continue
        try:
            offset = int(fields[2], 16)
        except ValueError:
            offset = -1
        inode = fields[4]
        # osquery keeps the first word after the inode: a path with spaces, or the kernel's
        # " (deleted)" suffix, is cut there.
        path = fields[5] if len(fields) > 5 else ""
        yield {
            "pid": pid,
            "start": "0x" + start,
            "end": "0x" + end,
            "permissions": fields[1],
            "offset": offset,
            "device": fields[3],
            "inode": int(inode) if inode.isdigit() else None,
            "path": path,
            "pseudo": 1 if inode == "0" and path else 0,
        }


@table(
    "process_memory_map",
    "Process memory mapped files and pseudo device/regions.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from process_memory_map where pid = 1",),
    notes="Other users' processes need root. As in osquery, path is the first word after the "
    "inode (a path holding spaces is cut there) and is empty for anonymous mappings.",
    columns=[
        Column("pid", INTEGER, "Process (or thread) ID", index=True, optimized=True),
        Column("start", TEXT, "Virtual start address (hex)"),
        Column("end", TEXT, "Virtual end address (hex)"),
        Column("permissions", TEXT, "r=read, w=write, x=execute, p=private (cow)"),
        Column("offset", BIGINT, "Offset into mapped path"),
        Column("device", TEXT, "MA:MI Major/minor device ID"),
        Column("inode", INTEGER, "Mapped path inode, 0 means uninitialized (BSS)"),
        Column("path", TEXT, "Path to mapped file or mapped type"),
        Column("pseudo", INTEGER, "1 If path is a pseudo path, else 0"),
    ],
)
def process_memory_map(ctx: QueryContext) -> Iterator[Row]:
    """One row per mapping of each process (only the pids asked for, when constrained)."""
    reader = ctx.host.process_maps
    for pid in ctx.host.procfs.pids(ctx.equals("pid")):
        try:
            text = reader.maps(pid)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # exited mid-scan, or not ours to read
        yield from map_rows(pid, text)
