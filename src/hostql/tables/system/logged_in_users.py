"""logged_in_users: the sessions recorded in /var/run/utmp."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.utmp import UTMP
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# osquery's kLoginTypes, by ut_type.
_LOGIN_TYPES = (
    "empty", "runlevel", "boot_time", "new_time", "old_time", "init", "login", "user", "dead",
    "accounting",
)  # fmt: skip


@table(
    "logged_in_users",
    "Users with an active shell on the system.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from logged_in_users where type = 'user'",),
    notes="Reads every record of /var/run/utmp except those of pid 1, as osquery does (so "
    "boot, run-level and dead entries appear too); an unknown ut_type is 'unknown'.",
    columns=[
        Column("type", TEXT, "Login type"),
        Column("user", TEXT, "User login name"),
        Column("tty", TEXT, "Device name"),
        Column("host", TEXT, "Remote hostname"),
        Column("time", BIGINT, "Time entry was made"),
        Column("pid", INTEGER, "Process (or thread) ID"),
        Column("sid", TEXT, "", platforms=("windows",)),
        Column("registry_hive", TEXT, "", platforms=("windows",)),
    ],
)
def logged_in_users(ctx: QueryContext) -> Iterator[Row]:
    """One row per utmp record not written by pid 1."""
    for record in ctx.host.utmp.records(UTMP):
        if record.pid == 1:
            continue
        kind = record.type
        yield {
            "type": _LOGIN_TYPES[kind] if 0 <= kind < len(_LOGIN_TYPES) else "unknown",
            "user": record.user,
            "tty": record.line,
            "host": record.host,
            "time": record.time,
            "pid": record.pid,
        }
