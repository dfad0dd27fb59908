"""syslog_events: syslog lines rsyslog forwards into hostql's named pipe."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.events.base import Event, Subscriber
from hostql.events.tables import event_rows
from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "syslog_events",
    "Syslog messages forwarded by rsyslog through a named pipe.",
    platforms=(LINUX,),
    aliases=("syslog",),
    evented=True,
    examples=(
        "select datetime, host, tag, message from syslog_events where severity <= 3",
        "select * from syslog where tag like 'sshd%'",
    ),
    notes="Needs --enable_syslog (hostqli: also --disable_events=false) and an rsyslog "
    "ompipe action writing osquery's OsqueryCsvFormat template into --syslog_pipe_path "
    "(see docs/syslog_events.md). hostql creates the pipe (mode 0460, group syslog) and "
    "reads at most --syslog_rate_limit lines per 200 ms; rows are kept "
    "--syslog_events_expiry seconds, at most --syslog_events_max batches.",
    columns=[
        Column("time", BIGINT, "Current unix epoch time", additional=True),
        Column("datetime", TEXT, "Time known to syslog"),
        Column("host", TEXT, "Hostname configured for syslog"),
        Column("severity", INTEGER, "Syslog severity"),
        Column("facility", TEXT, "Syslog facility"),
        Column("tag", TEXT, "The syslog tag"),
        Column("message", TEXT, "The syslog message"),
        Column("eid", TEXT, "Event ID", hidden=True),
    ],
)
def syslog_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered syslog rows (time constraints narrow the read)."""
    yield from event_rows(ctx, "syslog_events")


def _severity(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


class SyslogEventsSubscriber(Subscriber):
    """One row per parsed syslog line, kept as long as the syslog_events_* flags say."""

    name = "syslog_events"
    publisher = "syslog"
    expiry_flag = "syslog_events_expiry"
    max_flag = "syslog_events_max"

    def rows(self, event: Event) -> Iterator[Row]:
        """The line's six fields (severity as a number)."""
        yield {
            "datetime": str(event.get("datetime", "")),
            "host": str(event.get("host", "")),
            "severity": _severity(str(event.get("severity", ""))),
            "facility": str(event.get("facility", "")),
            "tag": str(event.get("tag", "")),
            "message": str(event.get("message", "")),
        }
