"""process_open_pipes: the pipes (anonymous and named) each process holds, with their partners."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from hostql.host.process_maps import ProcessMaps
from hostql.host.procfs import Procfs
from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


class Pipe(NamedTuple):
    """One descriptor of a process that refers to a pipe."""

    pid: int
    fd: int
    mode: str
    inode: int
    type: str


def _anonymous_inode(target: str) -> int:
    """The inode of a `pipe:[N]` link (0 if it holds no number, as in osquery)."""
    digits = "".join(c for c in target[6:] if c.isdigit())
    return int(digits) if digits else 0


def _pipes(
    procfs: Procfs,
    reader: ProcessMaps,
    pid: int,
    anonymous: set[int] | None = None,
    named: set[int] | None = None,
) -> list[Pipe]:
    """The pipes of pid; with anonymous/named given, only those of these inodes."""
    try:
        descriptors = procfs.descriptors(pid)
    except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
        return []  # exited mid-scan, or not ours to read
    found = []
    for fd, target in descriptors:
        if target.startswith("pipe:"):
            inode = _anonymous_inode(target)
            if anonymous is None or inode in anonymous:
                found.append(Pipe(pid, fd, reader.fd_mode(pid, fd), inode, "anonymous"))
        elif target.startswith("/") and (named is None or named):
            # Any other file may be a FIFO opened by path: stat what the link names.
            fifo = reader.fifo_inode(target)
            if fifo is not None and (named is None or fifo in named):
                found.append(Pipe(pid, fd, reader.fd_mode(pid, fd), fifo, "named"))
    return found


def _rows(pipe: Pipe, partners: list[Pipe]) -> Iterator[Row]:
    row: Row = {
        "pid": pipe.pid,
        "fd": pipe.fd,
        "mode": pipe.mode,
        "inode": pipe.inode,
        "type": pipe.type,
    }
    if len(partners) == 1:
        yield row  # nobody else holds this pipe
        return
    for partner in partners:
        # A partner is another end that can talk to this one: a reader for a writer, or
        # anything for a read-write end.
        if partner == pipe or (partner.mode == pipe.mode and pipe.mode != "rw"):
            continue
        yield {
            **row,
            "partner_pid": partner.pid,
            "partner_fd": partner.fd,
            "partner_mode": partner.mode,
        }


@table(
    "process_open_pipes",
    "Pipes and partner processes for each process.",
    platforms=(LINUX,),
    examples=(
        "select * from process_open_pipes",
        "select * from process_open_pipes where pid = 1",
    ),
    notes="Needs root to see other users' processes. A pipe held by one descriptor only has "
    "NULL partner columns; one row per partner otherwise. A `pid` constraint limits the rows "
    "to those processes (the others are still scanned for partners, pipes only).",
    columns=[
        Column("pid", BIGINT, "Process ID"),
        Column("fd", BIGINT, "File descriptor"),
        Column("mode", TEXT, "Pipe open mode (r/w)"),
        Column("inode", BIGINT, "Pipe inode number"),
        Column("type", TEXT, "Pipe Type: named vs unnamed/anonymous"),
        Column("partner_pid", BIGINT, "Process ID of partner process sharing a particular pipe"),
        Column("partner_fd", BIGINT, "File descriptor of shared pipe at partner's end"),
        Column("partner_mode", TEXT, "Mode of shared pipe at partner's end"),
    ],
)
def process_open_pipes(ctx: QueryContext) -> Iterator[Row]:
    """One row per (pipe end, partner end) pair, processes in pid order."""
    procfs: Procfs = ctx.host.procfs
    reader: ProcessMaps = ctx.host.process_maps
    everyone = procfs.pids()
    wanted_values = ctx.equals("pid")
    wanted: Iterable[int] = everyone if wanted_values is None else procfs.pids(wanted_values)
    own = {pid: _pipes(procfs, reader, pid) for pid in wanted}
    ends: list[Pipe] = [pipe for pipes in own.values() for pipe in pipes]
    if wanted_values is not None:
        anonymous = {p.inode for p in ends if p.type == "anonymous"}
        named = {p.inode for p in ends if p.type == "named"}
        for pid in everyone:
            if pid not in own and (anonymous or named):
                ends.extend(_pipes(procfs, reader, pid, anonymous, named))
    by_inode: dict[int, list[Pipe]] = {}
    for pipe in sorted(ends, key=lambda p: (p.pid, p.fd)):
        by_inode.setdefault(pipe.inode, []).append(pipe)
    for pipes in own.values():
        for pipe in pipes:
            yield from _rows(pipe, by_inode[pipe.inode])
