"""last: logins and logouts recorded in /var/log/wtmp."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.utmp import DEAD_PROCESS, USER_PROCESS, WTMP
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_TYPE_NAMES = {USER_PROCESS: "user-process", DEAD_PROCESS: "dead-process"}


@table(
    "last",
    "System logins and logouts.",
    platforms=(LINUX, MACOS),
    cacheable=True,
    examples=("select * from last where type_name = 'user-process'",),
    notes="Reads /var/log/wtmp (glibc struct utmp records) in file order and keeps, as osquery "
    "does, only USER_PROCESS (7, logins) and DEAD_PROCESS (8, logouts) records.",
    columns=[
        Column("username", TEXT, "Entry username"),
        Column("tty", TEXT, "Entry terminal"),
        Column("pid", INTEGER, "Process (or thread) ID"),
        Column("type", INTEGER, "Entry type, according to ut_type types (utmp.h)"),
        Column("type_name", TEXT, "Entry type name, according to ut_type types (utmp.h)"),
        Column("time", INTEGER, "Entry timestamp"),
        Column("host", TEXT, "Entry hostname"),
    ],
)
def last(ctx: QueryContext) -> Iterator[Row]:
    """One row per login or logout record of wtmp."""
    for record in ctx.host.utmp.records(WTMP):
        name = _TYPE_NAMES.get(record.type)
        if name is None:
            continue
        yield {
            "username": record.user,
            "tty": record.line,
            "pid": record.pid,
            "type": record.type,
            "type_name": name,
            "time": record.time,
            "host": record.host,
        }
