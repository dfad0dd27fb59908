"""time: the current time in UTC, broken down, with the local time zone's abbreviation."""

from __future__ import annotations

import time as clock
from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "time",
    "Track current date and time in UTC.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=("select unix_time, datetime, local_timezone from time",),
    columns=[
        Column("weekday", TEXT, "Current weekday in UTC"),
        Column("year", INTEGER, "Current year in UTC"),
        Column("month", INTEGER, "Current month in UTC"),
        Column("day", INTEGER, "Current day in UTC"),
        Column("hour", INTEGER, "Current hour in UTC"),
        Column("minutes", INTEGER, "Current minutes in UTC"),
        Column("seconds", INTEGER, "Current seconds in UTC"),
        Column("timezone", TEXT, "Timezone for reported time (hardcoded to UTC)"),
        Column("local_timezone", TEXT, "Current local timezone in of the system"),
        Column("unix_time", INTEGER, "Current UNIX time in UTC"),
        Column("timestamp", TEXT, "Current timestamp (log format) in UTC"),
        Column(
            "datetime",
            TEXT,
            "Current date and time (ISO format) in UTC",
            aliases=("date_time",),
        ),
        Column("iso_8601", TEXT, "Current time (ISO format) in UTC"),
        Column("win_timestamp", BIGINT, "", platforms=("windows",)),
    ],
)
def time(ctx: QueryContext) -> Iterator[Row]:
    """One row for this second."""
    sysinfo = ctx.host.sysinfo
    now = sysinfo.now()
    yield time_row(now, sysinfo.local_timezone(now))


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def time_row(now: int, local_timezone: str) -> Row:
    """The row for a UNIX time, formatted exactly as osquery does (C locale, UTC)."""
    utc = clock.gmtime(now)
    iso = (
        f"{utc.tm_year:04d}-{utc.tm_mon:02d}-{utc.tm_mday:02d}"
        f"T{utc.tm_hour:02d}:{utc.tm_min:02d}:{utc.tm_sec:02d}Z"
    )
    # asctime(3) without its newline, then " UTC": the day of the month is space-padded.
    timestamp = (
        f"{_WEEKDAYS[utc.tm_wday][:3]} {_MONTHS[utc.tm_mon - 1]} {utc.tm_mday:2d} "
        f"{utc.tm_hour:02d}:{utc.tm_min:02d}:{utc.tm_sec:02d} {utc.tm_year} UTC"
    )
    return {
        "weekday": _WEEKDAYS[utc.tm_wday],
        "year": utc.tm_year,
        "month": utc.tm_mon,
        "day": utc.tm_mday,
        "hour": utc.tm_hour,
        "minutes": utc.tm_min,
        "seconds": utc.tm_sec,
        "timezone": "UTC",
        "local_timezone": local_timezone or "UTC",
        "unix_time": now,
        "timestamp": timestamp,
        "datetime": iso,
        "iso_8601": iso,
    }
