"""process_envs: the environment variables of each process, from /proc/<pid>/environ."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.procfs import Procfs
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "process_envs",
    "A key/value table of environment variables for each process.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from process_envs where pid = 1",
        "select pe.*\n     from process_envs pe, (select * from processes limit 10) p\n"
        "     where p.pid = pe.pid;",
    ),
    notes="Reading another user's /proc/<pid>/environ needs root (ptrace access); such "
    "processes have no rows. Values are the environment at exec time, as the kernel keeps it.",
    columns=[
        Column("pid", INTEGER, "Process (or thread) ID", index=True, optimized=True),
        Column("key", TEXT, "Environment variable name"),
        Column("value", TEXT, "Environment variable value"),
    ],
)
def process_envs(ctx: QueryContext) -> Iterator[Row]:
    """One row per KEY=VALUE entry of each process's initial environment."""
    procfs: Procfs = ctx.host.procfs
    for pid in procfs.pids(ctx.equals("pid")):
        try:
            pairs = procfs.environ(pid)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # process exited mid-scan, or its environment is not ours to read
        for key, value in pairs:
            yield {"pid": pid, "key": key, "value": value}
