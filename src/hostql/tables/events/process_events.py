"""process_events: process executions (execve/execveat), and forks and kills, from audit."""

# Rows follow osquery's AuditProcessEventSubscriber: successful syscalls only; ids from the
# SYSCALL record (default 0); path is the decoded exe; exec rows take cmdline from EXECVE,
# cwd from CWD and mode/owner from the first PATH record; fork/clone rows have owner 0 and
# no cmdline; threads (clone with CLONE_THREAD) are skipped. Where osquery is plainly wrong,
# hostql is not: cmdline keeps argv order (osquery sorts a0, a1, a10, a2...), long arguments
# split into a1[0], a1[1]... chunks are joined, and cwd is decoded (osquery keeps its quotes).

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence

from hostql.events.audit_records import (
    CWD,
    EXECVE,
    PATH,
    AuditEvent,
    decode_value,
    execve_arguments,
    parse_int,
)
from hostql.events.publishers.audit import AuditSubscriber
from hostql.events.publishers.audit_rules import EXEC, FORK, KILL, syscall_names
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

CLONE_PARENT, CLONE_THREAD = 0x8000, 0x10000
_IDS = ("auid", "uid", "euid", "fsuid", "suid", "gid", "egid", "fsgid", "sgid")
StatFn = Callable[[str], os.stat_result]


@table(
    "process_events",
    "Track time/action process executions.",
    platforms=(LINUX, MACOS),
    evented=True,
    examples=(
        "select pid, path, cmdline, cwd, parent from process_events where syscall = 'execve'",
    ),
    columns=[
        Column("pid", BIGINT, "Process (or thread) ID"),
        Column("path", TEXT, "Path of executed file"),
        Column("mode", TEXT, "File mode permissions"),
        Column("cmdline", TEXT, "Command line arguments (argv)"),
        Column(
            "cmdline_size", BIGINT, "Actual size (bytes) of command line arguments", hidden=True
        ),
        Column(
            "env",
            TEXT,
            "Environment variables delimited by spaces",
            hidden=True,
            aliases=("environment",),
        ),
        Column(
            "env_count",
            BIGINT,
            "Number of environment variables",
            hidden=True,
            aliases=("environment_count",),
        ),
        Column(
            "env_size",
            BIGINT,
            "Actual size (bytes) of environment list",
            hidden=True,
            aliases=("environment_size",),
        ),
        Column("cwd", TEXT, "The process current working directory"),
        Column("auid", BIGINT, "Audit User ID at process start"),
        Column("uid", BIGINT, "User ID at process start"),
        Column("euid", BIGINT, "Effective user ID at process start"),
        Column("gid", BIGINT, "Group ID at process start"),
        Column("egid", BIGINT, "Effective group ID at process start"),
        Column("owner_uid", BIGINT, "File owner user ID"),
        Column("owner_gid", BIGINT, "File owner group ID"),
        Column("atime", BIGINT, "File last access in UNIX time", aliases=("access_time",)),
        Column("mtime", BIGINT, "File modification in UNIX time", aliases=("modify_time",)),
        Column("ctime", BIGINT, "File last metadata change in UNIX time", aliases=("change_time",)),
        Column("btime", BIGINT, "File creation in UNIX time", aliases=("create_time",)),
        Column("overflows", TEXT, "List of structures that overflowed", hidden=True),
        Column("parent", BIGINT, "Process parent's PID, or -1 if cannot be determined."),
        Column("time", BIGINT, "Time of execution in UNIX time", additional=True),
        Column("uptime", BIGINT, "Time of execution in system uptime"),
        Column("eid", TEXT, "Event ID", hidden=True),
        Column("status", BIGINT, "", platforms=("macos",)),
        Column("fsuid", BIGINT, "Filesystem user ID at process start", platforms=("linux",)),
        Column("suid", BIGINT, "Saved user ID at process start", platforms=("linux",)),
        Column("fsgid", BIGINT, "Filesystem group ID at process start", platforms=("linux",)),
        Column("sgid", BIGINT, "Saved group ID at process start", platforms=("linux",)),
        Column(
            "syscall",
            TEXT,
            "Syscall name: fork, vfork, clone, execve, execveat",
            platforms=("linux",),
        ),
    ],
)
def process_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered rows of the process_events subscriber."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "process_events")


def _ids(fields: dict[str, str], syscall: int, name: str) -> tuple[int, int]:
    """(parent, pid) of the process the syscall is about."""
    pid, ppid = parse_int(fields.get("pid")) or 0, parse_int(fields.get("ppid")) or 0
    child = parse_int(fields.get("exit")) or 0
    if name in ("fork", "vfork"):
        return pid, child
    if name == "clone":
        flags = parse_int(fields.get("a0"), 16) or 0
        return (ppid if flags & CLONE_PARENT else pid), child
    return ppid, pid


def process_row(event: AuditEvent, names: dict[int, str], uptime: int) -> Row | None:
    """The row of one syscall event, or None when it is not a (complete) process event."""
    name = names.get(event.syscall, "")
    if event.kind != "syscall" or not event.success or name not in EXEC + FORK + KILL:
        return None
    fields = event.fields
    if name == "clone" and (parse_int(fields.get("a0"), 16) or 0) & CLONE_THREAD:
        return None
    row: Row = {"uptime": uptime, "syscall": name, "path": event.executable}
    for key in _IDS:
        row[key] = parse_int(fields.get(key)) or 0
    row["parent"], row["pid"] = _ids(fields, event.syscall, name)
    row.update(overflows="", env="", env_size=0, env_count=0)
    if name in EXEC:
        cwd, path = event.record(CWD), event.record(PATH)
        if cwd is None or path is None or event.record(EXECVE) is None:
            return None
        row["cwd"] = decode_value(cwd.fields.get("cwd", ""))
        row["cmdline"] = " ".join(execve_arguments(event))
        row["cmdline_size"] = len(row["cmdline"].encode())
        row["mode"] = path.fields.get("mode", "")
        row["owner_uid"] = parse_int(path.fields.get("ouid")) or 0
        row["owner_gid"] = parse_int(path.fields.get("ogid")) or 0
    elif name in FORK:
        row["owner_uid"] = row["owner_gid"] = 0
    return row


def add_file_times(row: Row, stat_path: StatFn = os.stat) -> Row:
    """The executable's times (osquery stats the path when the row is added; 0 if gone)."""
    try:
        info = stat_path(row["path"])
    except (OSError, ValueError):
        row.update(atime=0, mtime=0, ctime=0)
        return row
    if not row.get("mode"):
        row["mode"] = format(stat.S_IMODE(info.st_mode), "04o")
    row.update(btime=0, atime=int(info.st_atime), mtime=int(info.st_mtime))
    row["ctime"] = int(info.st_ctime)
    return row


def process_rows(
    events: Iterable[AuditEvent], names: dict[int, str], uptime: int, stat_path: StatFn = os.stat
) -> list[Row]:
    """The process_events rows of a batch of audit events."""
    rows = []
    for event in events:
        row = process_row(event, names, uptime)
        if row is not None:
            rows.append(add_file_times(row, stat_path))
    return rows


class ProcessEventsSubscriber(AuditSubscriber):
    """Turns the audit publisher's execve/fork/kill events into process_events rows."""

    name = "process_events"
    allow_flag = "audit_allow_process_events"

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The rows of one batch."""
        return process_rows(events, syscall_names(), uptime)
