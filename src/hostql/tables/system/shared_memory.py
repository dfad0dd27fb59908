"""shared_memory: the System V shared memory segments (/proc/sysvipc/shm)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hostql.host.accounts import Accounts
from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_SHM_DEST = 0o1000
_SHM_LOCKED = 0o2000
_NUMBERS = {
    "pid": "lpid", "creator_pid": "cpid", "atime": "atime", "dtime": "dtime",
    "ctime": "ctime", "size": "size", "attached": "nattch",
}  # fmt: skip


def _number(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _user_check(accounts: Accounts, live: bool) -> Callable[[int | None], bool]:
    """Whether a uid names a user: osquery fills the uid columns only for known users."""
    if live:
        return lambda uid: uid is not None and accounts.nss_user(uid) is not None
    try:
        known = {user.uid for user in accounts.users()}
    except (FileNotFoundError, PermissionError):
        known = set()
    return lambda uid: uid in known


@table(
    "shared_memory",
    "OS shared memory regions.",
    platforms=(LINUX,),
    examples=("select * from shared_memory", "select shmid, size, attached from shared_memory"),
    notes="Segments of the IPC namespace of hostql. As in osquery, owner_uid and creator_uid "
    "are NULL when no user has that uid, and permissions holds four octal digits, the "
    "SHM_DEST (1000) and SHM_LOCKED (2000) flags included.",
    columns=[
        Column("shmid", INTEGER, "Shared memory segment ID"),
        Column("owner_uid", BIGINT, "User ID of owning process"),
        Column("creator_uid", BIGINT, "User ID of creator process"),
        Column("pid", BIGINT, "Process ID to last use the segment"),
        Column("creator_pid", BIGINT, "Process ID that created the segment"),
        Column("atime", BIGINT, "Attached time"),
        Column("dtime", BIGINT, "Detached time"),
        Column("ctime", BIGINT, "Changed time"),
        Column("permissions", TEXT, "Memory segment permissions"),
        Column("size", BIGINT, "Size in bytes"),
        Column("attached", INTEGER, "Number of attached processes"),
        Column("status", TEXT, "Destination/attach status"),
        Column("locked", INTEGER, "1 if segment is locked else 0"),
    ],
)
def shared_memory(ctx: QueryContext) -> Iterator[Row]:
    """One row per segment line of /proc/sysvipc/shm."""
    try:
        segments = list(ctx.host.kernel.shm_segments())
    except (FileNotFoundError, PermissionError):
        return  # kernel without System V IPC
    if not segments:
        return
    is_user = _user_check(ctx.host.accounts, ctx.host.live)
    for segment in segments:
        try:
            shmid, mode = int(segment["shmid"]), int(segment["perms"], 8)
        except (KeyError, ValueError):
            ctx.warn(f"shared_memory: skipped a malformed segment line: {segment}")
            continue
        owner, creator = _number(segment.get("uid")), _number(segment.get("cuid"))
        row: Row = {
            "shmid": shmid,
            "owner_uid": owner if is_user(owner) else None,
            "creator_uid": creator if is_user(creator) else None,
            "permissions": f"{mode & 0o7777:04o}",
            "status": "dest" if mode & _SHM_DEST else "",
            "locked": 1 if mode & _SHM_LOCKED else 0,
        }
        for column, field in _NUMBERS.items():
            row[column] = _number(segment.get(field))
        yield row
