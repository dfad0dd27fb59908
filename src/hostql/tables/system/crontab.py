"""crontab: the jobs of /etc/crontab, /etc/cron.d and the user crontab spools."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.etc_files import cron_entry
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "crontab",
    "Line parsed values from system and user cron/tab.",
    platforms=(LINUX, MACOS),
    cacheable=True,
    examples=("select * from crontab where path = '/etc/crontab'",),
    notes="Reads /etc/crontab and the files of /etc/cron.d/, /var/at/tabs/, /var/spool/cron/ "
    "and /var/spool/cron/crontabs/. As in osquery, the user field of system crontabs stays "
    "part of command, and lines without a command (variables) are skipped. "
    "pid_with_namespace is not supported (always 0).",
    columns=[
        Column("event", TEXT, "The job @event name (rare)"),
        Column("minute", TEXT, "The exact minute for the job"),
        Column("hour", TEXT, "The hour of the day for the job"),
        Column("day_of_month", TEXT, "The day of the month for the job"),
        Column("month", TEXT, "The month of the year for the job"),
        Column("day_of_week", TEXT, "The day of the week for the job"),
        Column("command", TEXT, "Raw command string"),
        Column("path", TEXT, "File parsed"),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def crontab(ctx: QueryContext) -> Iterator[Row]:
    """One row per job line; a path constraint limits which of osquery's files are read."""
    reader = ctx.host.etc_files
    paths = ctx.equals("path")
    for path in reader.crontab_files():
        if paths is not None and path not in paths:
            continue
        for line in reader.cron_lines(path):
            entry = cron_entry(line)
            if entry is not None:
                yield {**entry, "path": path, "pid_with_namespace": 0}
