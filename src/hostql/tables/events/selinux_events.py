"""selinux_events: SELinux records (AVC, SELINUX_ERR, MAC_*...), from audit."""

# As osquery's SELinuxEventSubscriber: one row per record, type = the record's label (or its
# number), message = the raw record text. AVC records carrying an apparmor field go to
# apparmor_events instead.

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from hostql.events.audit_records import SELINUX_LABELS, AuditEvent
from hostql.events.publishers.audit import AuditSubscriber
from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "selinux_events",
    "Track SELinux events.",
    platforms=(LINUX,),
    evented=True,
    examples=("select type, message from selinux_events",),
    columns=[
        Column("type", TEXT, "Event type"),
        Column("message", TEXT, "Message"),
        Column("time", BIGINT, "Time of execution in UNIX time", additional=True),
        Column("uptime", BIGINT, "Time of execution in system uptime"),
        Column("eid", TEXT, "Event ID", hidden=True),
    ],
)
def selinux_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered rows of the selinux_events subscriber."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "selinux_events")


def selinux_rows(events: Iterable[AuditEvent], uptime: int) -> list[Row]:
    """The selinux_events rows of a batch of audit events."""
    return [
        {
            "type": SELINUX_LABELS.get(record.type, str(record.type)),
            "message": record.text,
            "uptime": uptime,
        }
        for event in events
        if event.kind == "selinux"
        for record in event.records
    ]


class SelinuxEventsSubscriber(AuditSubscriber):
    """Turns the audit publisher's SELinux records into selinux_events rows."""

    name = "selinux_events"
    allow_flag = "audit_allow_selinux_events"

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The rows of one batch."""
        return selinux_rows(events, uptime)
