"""groups: local groups, from /etc/group."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.accounts import Accounts, Group, as_id, signed
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "groups",
    "Local system groups.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from groups where gid = 0",),
    notes="Reads /etc/group: groups of other NSS sources such as LDAP, SSSD or NIS are not "
    "listed. A gid listed twice gives one row (the first entry). pid_with_namespace = N "
    "reads the group file of process N's mount namespace (/proc/N/root/etc/group).",
    columns=[
        Column("gid", BIGINT, "Unsigned int64 group ID", index=True),
        Column("gid_signed", BIGINT, "A signed int64 version of gid"),
        Column("groupname", TEXT, "Canonical local group name"),
        Column("group_sid", TEXT, "", additional=True, platforms=("windows",)),
        Column("comment", TEXT, "", platforms=("windows",)),
        Column("is_hidden", INTEGER, "", platforms=("macos",)),
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
def groups(ctx: QueryContext) -> Iterator[Row]:
    """One row per gid of /etc/group; a gid constraint selects the entries read."""
    accounts: Accounts = ctx.host.accounts
    gid_values = ctx.equals("gid")
    gids = None if gid_values is None else {g for g in map(as_id, gid_values) if g is not None}
    namespaces = ctx.equals("pid_with_namespace")
    if namespaces is not None:
        for pid in sorted({p for p in map(as_id, namespaces) if p}):
            try:
                found = accounts.groups(pid)
            except (FileNotFoundError, PermissionError, NotADirectoryError):
                continue  # process exited, or its root is not ours to read
            yield from _rows(found, gids, pid)
        return
    try:
        found = accounts.groups()
    except (FileNotFoundError, PermissionError) as exc:
        ctx.warn(f"could not open /etc/group file: {exc.strerror}")
        return
    yield from _rows(found, gids, 0)


def _rows(found: list[Group], gids: set[int] | None, namespace: int) -> Iterator[Row]:
    seen: set[int] = set()
    for group in found:
        if group.gid in seen or (gids is not None and group.gid not in gids):
            continue
        seen.add(group.gid)
        yield {
            "gid": group.gid,
            "gid_signed": signed(group.gid),
            "groupname": group.name,
            "pid_with_namespace": namespace,
        }
