"""carves: the file carve sessions the carver has started or finished, and new carve requests.

The carver (hostql's remote carving, not written yet) keeps its sessions here: it calls
set_carve_requester(start) so that `carve = 1` queries reach it, and record_carve({...}) for
each session as its status changes. Until then the table lists nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# carve_guid -> session record: time, size, sha256, carve_guid, request_id, status, path.
_SESSIONS: dict[str, dict[str, Any]] = {}
_LOCK = threading.Lock()
# Starts a carve of paths for a request id and returns its carve_guid.
CarveRequester = Callable[[Sequence[str], str], str]
_requester: CarveRequester | None = None
_FIELDS = ("time", "sha256", "size", "path", "status", "carve_guid", "request_id")


def record_carve(session: Mapping[str, Any]) -> None:
    """Add or update a carve session (keyed by its carve_guid)."""
    guid = str(session["carve_guid"])
    with _LOCK:
        _SESSIONS[guid] = {k: session[k] for k in _FIELDS if k in session}


def clear_carves() -> None:
    """Forget every session (the carver's expiry, and tests)."""
    with _LOCK:
        _SESSIONS.clear()


def set_carve_requester(requester: CarveRequester | None) -> None:
    """Install the carver's entry point for `carve = 1` queries (None: carving unavailable)."""
    global _requester
    _requester = requester


@table(
    "carves",
    "List the set of completed and in-progress carves. If carve=1 then the query is treated "
    "as a new carve request.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from carves",
        "select * from carves where status like '%FAIL%'",
        "select * from carves where path like '/Users/%/Downloads/%' and carve=1",
    ),
    notes="Lists the sessions the carver recorded (none until the carver exists). With "
    "carve = 1 and path = / LIKE values (globbed, files and folders), a new carve is "
    "requested when --disable_carver is off and a carver is installed; its row has carve = 1.",
    columns=[
        Column("time", BIGINT, "Time at which the carve was kicked off"),
        Column("sha256", TEXT, "A SHA256 sum of the carved archive", collate="NOCASE"),
        Column("size", BIGINT, "Size in bytes of the carved archive"),
        Column("path", TEXT, "The path of the requested carve", additional=True),
        Column(
            "status",
            TEXT,
            "Status of the carve, can be STARTING, PENDING, SUCCESS, or FAILED",
        ),
        Column(
            "carve_guid",
            TEXT,
            "Identifying value of the carve session",
            index=True,
            collate="NOCASE",
        ),
        Column(
            "request_id",
            TEXT,
            "Identifying value of the carve request (e.g., scheduled query name, distributed "
            "request, etc)",
        ),
        Column("carve", INTEGER, "Set this value to '1' to start a file carve", additional=True),
    ],
)
def carves(ctx: QueryContext) -> Iterator[Row]:
    """A row per recorded session (carve = 1 on the one this query started)."""
    new_guid = ""
    requested = any(str(v) == "1" for v in ctx.equals("carve") or ())
    requester = _requester
    if requested and requester is not None and not ctx.flags["disable_carver"]:
        paths = _paths(ctx)
        if paths:
            new_guid = requester(paths, "")
    with _LOCK:
        sessions = [dict(s) for _, s in sorted(_SESSIONS.items())]
    for session in sessions:
        row: Row = {k: session[k] for k in _FIELDS if k in session}
        row["carve"] = 1 if new_guid and session.get("carve_guid") == new_guid else 0
        yield row


def _paths(ctx: QueryContext) -> list[str]:
    """The = paths and everything the LIKE patterns match (files and folders)."""
    paths = {str(p) for p in ctx.equals("path") or ()}
    for pattern in ctx.patterns("path"):
        paths.update(found for found, _, _ in ctx.host.files.expand(pattern))
    return sorted(paths)
