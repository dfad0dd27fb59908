"""user_events: userspace audit messages (logins, authentication, sessions...), from audit."""

# Every record of type 1100-1199 (USER_AUTH, USER_LOGIN, USER_START...) is one row, as
# osquery's UserEventSubscriber builds it: type, uid, pid, auid, terminal, address (addr),
# path (the decoded exe) and message: the msg field without its first character. osquery's
# tokenizer cuts msg='op=login acct=... res=success' at its first space, so message is
# "op=login"; the fields inside msg (exe, addr, terminal) are read as fields of the record.

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from hostql.events.audit_records import AuditEvent, decode_value, parse_int
from hostql.events.publishers.audit import AuditSubscriber
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "user_events",
    "Track user events from the audit framework.",
    platforms=(LINUX, MACOS),
    evented=True,
    examples=("select type, uid, auid, terminal, message from user_events",),
    columns=[
        Column("uid", BIGINT, "User ID"),
        Column("auid", BIGINT, "Audit User ID"),
        Column("pid", BIGINT, "Process (or thread) ID"),
        Column("message", TEXT, "Message from the event"),
        Column("type", INTEGER, "The file description for the process socket"),
        Column("path", TEXT, "Supplied path from event"),
        Column("address", TEXT, "The Internet protocol address or family ID"),
        Column("terminal", TEXT, "The network protocol ID"),
        Column("time", BIGINT, "Time of execution in UNIX time", additional=True),
        Column("uptime", BIGINT, "Time of execution in system uptime"),
        Column("eid", TEXT, "Event ID", hidden=True),
    ],
)
def user_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered rows of the user_events subscriber."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "user_events")


def user_rows(events: Iterable[AuditEvent], uptime: int) -> list[Row]:
    """The user_events rows of a batch of audit events."""
    rows = []
    for event in events:
        if event.kind != "user":
            continue
        for record in event.records:
            fields = record.fields
            row: Row = {
                "uptime": uptime,
                "type": record.type,
                "uid": parse_int(fields.get("uid")),
                "pid": parse_int(fields.get("pid")),
                "auid": parse_int(fields.get("auid")),
                "terminal": fields.get("terminal", ""),
                "address": fields.get("addr", ""),
                "path": decode_value(fields.get("exe", "")),
            }
            message = fields.get("msg", "")
            if len(message) > 1:
                row["message"] = message[1:]
            rows.append(row)
    return rows


class UserEventsSubscriber(AuditSubscriber):
    """Turns the audit publisher's user messages into user_events rows."""

    name = "user_events"
    allow_flag = "audit_allow_user_events"

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The rows of one batch."""
        return user_rows(events, uptime)
