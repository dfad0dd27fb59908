"""processes: every running process, read from /proc."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.procfs import CLOCK_TICKS, Procfs
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

_STAT_COLUMNS = (
    "state", "parent", "pgroup", "nice", "threads", "user_time", "system_time", "start_time",
)  # fmt: skip
_STATUS_COLUMNS = (
    "name", "uid", "gid", "euid", "egid", "suid", "sgid", "resident_size", "total_size",
)  # fmt: skip
_MS_PER_TICK = 1000 // CLOCK_TICKS
_DELETED = " (deleted)"
_GONE = (FileNotFoundError, ProcessLookupError, PermissionError, ValueError)


@table(
    "processes",
    "All running processes on the host system.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from processes where pid = 1",),
    notes="Linux values follow osquery: resident_size and total_size are the kB figures of "
    "/proc/<pid>/status times 1000; user_time and system_time are milliseconds; "
    "disk_bytes_read/written are NULL when /proc/<pid>/io cannot be read.",
    columns=[
        Column("pid", BIGINT, "Process (or thread) ID", index=True, optimized=True),
        Column("name", TEXT, "The process path or shorthand argv[0]"),
        Column("path", TEXT, "Path to executed binary"),
        Column("cmdline", TEXT, "Complete argv"),
        Column("state", TEXT, "Process state"),
        Column("cwd", TEXT, "Process current working directory"),
        Column("root", TEXT, "Process virtual root directory"),
        Column("uid", BIGINT, "Unsigned user ID"),
        Column("gid", BIGINT, "Unsigned group ID"),
        Column("euid", BIGINT, "Unsigned effective user ID"),
        Column("egid", BIGINT, "Unsigned effective group ID"),
        Column("suid", BIGINT, "Unsigned saved user ID"),
        Column("sgid", BIGINT, "Unsigned saved group ID"),
        Column("on_disk", INTEGER, "The process path exists yes=1, no=0, unknown=-1"),
        Column("wired_size", BIGINT, "Bytes of unpageable memory used by process"),
        Column("resident_size", BIGINT, "Bytes of private memory used by process"),
        Column(
            "total_size",
            BIGINT,
            "Total virtual memory size (Linux, Windows) or 'footprint' (macOS)",
        ),
        Column("user_time", BIGINT, "CPU time in milliseconds spent in user space"),
        Column("system_time", BIGINT, "CPU time in milliseconds spent in kernel space"),
        Column("disk_bytes_read", BIGINT, "Bytes read from disk"),
        Column("disk_bytes_written", BIGINT, "Bytes written to disk"),
        Column(
            "start_time", BIGINT, "Process start time in seconds since Epoch, in case of error -1"
        ),
        Column("parent", BIGINT, "Process parent's PID"),
        Column("pgroup", BIGINT, "Process group"),
        Column("threads", INTEGER, "Number of threads used by process"),
        Column("nice", INTEGER, "Process nice level (-20 to 20, default 0)"),
        Column("elevated_token", INTEGER, "", platforms=("windows",)),
        Column("secure_process", INTEGER, "", platforms=("windows",)),
        Column("protection_type", TEXT, "", platforms=("windows",)),
        Column("virtual_process", INTEGER, "", platforms=("windows",)),
        Column("elapsed_time", BIGINT, "", platforms=("windows",)),
        Column("handle_count", BIGINT, "", platforms=("windows",)),
        Column("percent_processor_time", BIGINT, "", platforms=("windows",)),
        Column("upid", BIGINT, "", platforms=("macos",)),
        Column("uppid", BIGINT, "", platforms=("macos",)),
        Column("cpu_type", INTEGER, "", platforms=("macos",)),
        Column("cpu_subtype", INTEGER, "", platforms=("macos",)),
        Column("translated", INTEGER, "", platforms=("macos",)),
        Column(
            "cgroup_path",
            TEXT,
            "The full hierarchical path of the process's control group",
            platforms=("linux",),
        ),
    ],
)
def processes(ctx: QueryContext) -> Iterator[Row]:
    """One row per process: /proc/<pid>/stat and status, plus links, cmdline, io and cgroup."""
    procfs: Procfs = ctx.host.procfs
    uses = ctx.uses
    with_status = ctx.uses_any(_STATUS_COLUMNS)
    with_path = uses("path") or uses("on_disk")
    with_cmdline, with_cwd, with_root = uses("cmdline"), uses("cwd"), uses("root")
    with_io = uses("disk_bytes_read") or uses("disk_bytes_written")
    with_cgroup = uses("cgroup_path")
    boot_time = procfs.boot_time() if uses("start_time") else None
    for pid in procfs.pids(ctx.equals("pid")):
        try:
            # stat is read for every row: it is cheap and drops processes that just exited.
            stat = procfs.stat(pid)
            row: Row = {
                "pid": pid,
                "state": stat.state,
                "parent": stat.parent,
                "pgroup": stat.pgroup,
                "nice": stat.nice,
                "threads": stat.threads,
                "user_time": stat.user_ticks * _MS_PER_TICK,
                "system_time": stat.system_ticks * _MS_PER_TICK,
                "start_time": -1
                if boot_time is None
                else boot_time + stat.start_ticks // CLOCK_TICKS,
                "wired_size": 0,  # Linux has no unpageable-memory counter
            }
            if with_status:
                status = procfs.status(pid)
                row["name"] = status.name
                if status.uids is not None:
                    row["uid"], row["euid"], row["suid"] = status.uids
                if status.gids is not None:
                    row["gid"], row["egid"], row["sgid"] = status.gids
                # osquery drops " kB" and appends "000": kilobytes times 1000, not 1024.
                if status.resident_kb is not None:
                    row["resident_size"] = status.resident_kb * 1000
                if status.total_kb is not None:
                    row["total_size"] = status.total_kb * 1000
            if with_cmdline:
                row["cmdline"] = procfs.cmdline(pid)
        except _GONE:
            continue  # process exited mid-scan (or its stat is unreadable)
        if with_path:
            row["path"], row["on_disk"] = _on_disk(procfs, pid, procfs.readlink(pid, "exe"))
        if with_cwd:
            row["cwd"] = procfs.readlink(pid, "cwd")
        if with_root:
            row["root"] = procfs.readlink(pid, "root")
        if with_io:
            try:
                io = procfs.io(pid)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass  # /proc/<pid>/io needs ptrace access: osquery leaves the columns NULL
            else:
                row["disk_bytes_read"] = io.read_bytes
                row["disk_bytes_written"] = io.write_bytes - io.cancelled_write_bytes
        if with_cgroup:
            try:
                row["cgroup_path"] = procfs.cgroup_path(pid)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                row["cgroup_path"] = ""
        yield row


def _on_disk(procfs: Procfs, pid: int, path: str) -> tuple[str, int]:
    """osquery's on_disk: 1 if the binary exists, 0 if not, -1 if unknown; strips " (deleted)"."""
    if not path:
        return path, -1
    if not path.endswith(_DELETED):
        return path, 1 if procfs.exists(path) else 0
    stripped = path[: -len(_DELETED)]
    if not procfs.exists(path):
        return stripped, 0
    # A file really named "... (deleted)" exists: it is the binary only if maps agrees on the inode.
    try:
        mapped = procfs.mapped_inode(pid, path)
        actual = procfs.inode(path)
    except OSError:
        return path, -1
    if mapped is None:
        return path, -1
    return (path, 1) if mapped == actual else (stripped, 0)
