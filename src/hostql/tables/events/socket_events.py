"""socket_events: bind, connect and accept calls with their addresses, from audit."""

# Rows follow osquery's SocketEventSubscriber: SYSCALL + SOCKADDR records; the address is
# parsed from the hex saddr into local_* for bind and remote_* otherwise (the other side
# "0"); status succeeded/failed, in_progress for a non-blocking connect (EINPROGRESS),
# no_client for an accept returning EAGAIN (with --audit_allow_null_accept_socket_events);
# failed calls only with --audit_allow_failed_socket_events; unix sockets only with
# --audit_allow_unix; netlink sockets never. fd is the raw a0 (hex text, as osquery).

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from hostql.events.audit_records import SOCKADDR, AuditEvent, decode_sockaddr
from hostql.events.publishers.audit import AuditSubscriber
from hostql.events.publishers.audit_rules import syscall_names
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

EAGAIN, EINPROGRESS = 11, 115
ACTIONS = {"bind": "bind", "connect": "connect", "accept": "accept", "accept4": "accept"}


@table(
    "socket_events",
    "Track network socket bind, connect, and accepts.",
    platforms=(LINUX, MACOS),
    evented=True,
    examples=(
        "select action, pid, path, remote_address, remote_port from socket_events "
        "where action = 'connect'",
    ),
    columns=[
        Column("action", TEXT, "The socket action (bind, connect, accept)"),
        Column("pid", BIGINT, "Process (or thread) ID"),
        Column("path", TEXT, "Path of executed file"),
        Column("fd", TEXT, "The file description for the process socket"),
        Column("auid", BIGINT, "Audit User ID"),
        Column("family", INTEGER, "The Internet protocol family ID"),
        Column("protocol", INTEGER, "The network protocol ID", hidden=True),
        Column("local_address", TEXT, "Local address associated with socket"),
        Column("remote_address", TEXT, "Remote address associated with socket"),
        Column("local_port", INTEGER, "Local network protocol port number"),
        Column("remote_port", INTEGER, "Remote network protocol port number"),
        Column("socket", TEXT, "The local path (UNIX domain socket only)", hidden=True),
        Column("time", BIGINT, "Time of execution in UNIX time", additional=True),
        Column("uptime", BIGINT, "Time of execution in system uptime"),
        Column("eid", TEXT, "Event ID", hidden=True),
        Column("success", INTEGER, "Deprecated. Use the 'status' column instead", hidden=True),
        Column(
            "status",
            TEXT,
            "Either 'succeeded', 'failed', 'in_progress' (connect() on non-blocking socket) "
            "or 'no_client' (null accept() on non-blocking socket)",
            platforms=("linux",),
        ),
    ],
)
def socket_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered rows of the socket_events subscriber."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "socket_events")


def _status(event: AuditEvent, action: str, allow_null_accept: bool) -> str | None:
    """succeeded/failed/in_progress/no_client (None: the exit code is missing)."""
    if event.success:
        return "succeeded"
    try:
        code = int(event.fields["exit"])
    except (KeyError, ValueError):
        return None
    if action == "connect" and code == -EINPROGRESS:
        return "in_progress"
    if action == "accept" and code == -EAGAIN and allow_null_accept:
        return "no_client"
    return "failed"


def socket_row(
    event: AuditEvent, names: dict[int, str], uptime: int, flags: Mapping[str, Any]
) -> Row | None:
    """The row of one syscall event, or None when osquery would emit none."""
    action = ACTIONS.get(names.get(event.syscall, ""))
    if event.kind != "syscall" or action is None:
        return None
    if action == "accept" and not flags["audit_allow_accept_socket_events"]:
        return None
    status = _status(event, action, bool(flags["audit_allow_null_accept_socket_events"]))
    if status is None or (status == "failed" and not flags["audit_allow_failed_socket_events"]):
        return None
    sockaddr = event.record(SOCKADDR)
    saddr = sockaddr.fields.get("saddr", "") if sockaddr else ""
    if len(saddr) < 4 or saddr.startswith("10"):  # no address, or a netlink socket
        return None
    address = decode_sockaddr(saddr)
    if address is None or (address["family"] == "1" and not flags["audit_allow_unix"]):
        return None
    fields = event.fields
    row: Row = {
        "action": action,
        "status": status,
        "success": 0 if status == "failed" else 1,
        "auid": int(fields.get("auid", 0)),
        "pid": int(fields.get("pid", 0)),
        "fd": fields.get("a0", ""),
        "path": event.executable,
        "uptime": uptime,
        "protocol": 0,
        "local_port": 0,
        "remote_port": 0,
        "family": int(address["family"]),
    }
    near, far = ("local", "remote") if action == "bind" else ("remote", "local")
    row[f"{far}_address"], row[f"{far}_port"] = "0", 0
    if "socket" in address:
        row["socket"] = address["socket"]
    else:
        row[f"{near}_address"], row[f"{near}_port"] = address["address"], int(address["port"])
    return row


def socket_rows(
    events: Iterable[AuditEvent], names: dict[int, str], uptime: int, flags: Mapping[str, Any]
) -> list[Row]:
    """The socket_events rows of a batch of audit events."""
    rows = (socket_row(event, names, uptime, flags) for event in events)
    return [row for row in rows if row is not None]


class SocketEventsSubscriber(AuditSubscriber):
    """Turns the audit publisher's bind/connect/accept events into socket_events rows."""

    name = "socket_events"
    allow_flag = "audit_allow_sockets"

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The rows of one batch."""
        return socket_rows(events, syscall_names(), uptime, self.values)
