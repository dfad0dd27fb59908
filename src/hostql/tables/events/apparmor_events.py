"""apparmor_events: AppArmor decisions (AVC records with an apparmor field), from audit."""

# As osquery's AppArmorEventSubscriber: type "AA", message = the raw record text, and the
# record's AppArmor fields, strings without their quotes (empty when absent) and numbers
# (0 when absent).

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from hostql.events.audit_records import APPARMOR_LABELS, AuditEvent, parse_int, strip_quotes
from hostql.events.publishers.audit import AuditSubscriber
from hostql.schema import BIGINT, LINUX, TEXT, UNSIGNED_BIGINT, Column, Row, table
from hostql.sql.context import QueryContext

TEXT_FIELDS = ("apparmor", "operation", "profile", "name", "comm", "denied_mask", "capname")
TEXT_FIELDS += ("requested_mask", "info", "error", "namespace", "label")
NUMBER_FIELDS = ("parent", "pid", "capability", "fsuid", "ouid")


@table(
    "apparmor_events",
    "Track AppArmor events.",
    platforms=(LINUX,),
    evented=True,
    examples=("select apparmor, operation, profile, name, comm from apparmor_events",),
    columns=[
        Column("type", TEXT, "Event type"),
        Column("message", TEXT, "Raw audit message"),
        Column("time", BIGINT, "Time of execution in UNIX time", additional=True),
        Column("uptime", BIGINT, "Time of execution in system uptime"),
        Column("eid", TEXT, "Event ID", hidden=True),
        Column("apparmor", TEXT, "Apparmor Status like ALLOWED, DENIED etc."),
        Column("operation", TEXT, "Permission requested by the process"),
        Column("parent", UNSIGNED_BIGINT, "Parent process PID"),
        Column("profile", TEXT, "Apparmor profile name"),
        Column("name", TEXT, "Process name"),
        Column("pid", UNSIGNED_BIGINT, "Process ID"),
        Column(
            "comm",
            TEXT,
            "Command-line name of the command that was used to invoke the analyzed process",
        ),
        Column("denied_mask", TEXT, "Denied permissions for the process"),
        Column("capname", TEXT, "Capability requested by the process"),
        Column("fsuid", UNSIGNED_BIGINT, "Filesystem user ID"),
        Column("ouid", UNSIGNED_BIGINT, "Object owner's user ID"),
        Column("capability", BIGINT, "Capability number"),
        Column("requested_mask", TEXT, "Requested access mask"),
        Column("info", TEXT, "Additional information"),
        Column("error", TEXT, "Error information"),
        Column("namespace", TEXT, "AppArmor namespace"),
        Column("label", TEXT, "AppArmor label"),
    ],
)
def apparmor_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered rows of the apparmor_events subscriber."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "apparmor_events")


def apparmor_rows(events: Iterable[AuditEvent], uptime: int) -> list[Row]:
    """The apparmor_events rows of a batch of audit events."""
    rows = []
    for event in events:
        if event.kind != "apparmor" or len(event.records) != 1:
            continue
        record = event.records[0]
        fields = record.fields
        row: Row = {
            "type": APPARMOR_LABELS.get(record.type, str(record.type)),
            "message": record.text,
            "uptime": uptime,
        }
        for name in TEXT_FIELDS:
            row[name] = strip_quotes(fields.get(name, ""))
        for name in NUMBER_FIELDS:
            row[name] = parse_int(fields.get(name)) or 0
        rows.append(row)
    return rows


class AppArmorEventsSubscriber(AuditSubscriber):
    """Turns the audit publisher's AppArmor records into apparmor_events rows."""

    name = "apparmor_events"
    allow_flag = "audit_allow_apparmor_events"

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The rows of one batch."""
        return apparmor_rows(events, uptime)
