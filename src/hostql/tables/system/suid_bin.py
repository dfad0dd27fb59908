"""suid_bin: set-user-ID and set-group-ID binaries in the standard binary directories."""

from __future__ import annotations

import stat
from collections.abc import Iterator

from hostql.host.setid import SEARCH_PATHS
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "suid_bin",
    "suid binaries in common locations.",
    platforms=(LINUX, MACOS),
    cacheable=True,
    examples=("select * from suid_bin where permissions like 'S%'",),
    notes="Walks /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin and /tmp "
    "recursively, as osquery does (on merged-/usr systems /bin and /usr/bin both list a "
    "binary). permissions is 'S' for set-user-ID, 'G' for set-group-ID, 'SG' for both; owners "
    "without a passwd/group entry show as numbers. pid_with_namespace is not supported.",
    columns=[
        Column("path", TEXT, "Binary path"),
        Column("username", TEXT, "Binary owner username"),
        Column("groupname", TEXT, "Binary owner group"),
        Column("permissions", TEXT, "Binary permissions"),
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
def suid_bin(ctx: QueryContext) -> Iterator[Row]:
    """One row per set-id regular file under osquery's search paths."""
    users, groups = _names(ctx)
    for found in ctx.host.setid.files(SEARCH_PATHS):
        yield {
            "path": found.path,
            "username": users.get(found.uid) or str(found.uid),
            "groupname": groups.get(found.gid) or str(found.gid),
            "permissions": ("S" if found.mode & stat.S_ISUID else "")
            + ("G" if found.mode & stat.S_ISGID else ""),
            "pid_with_namespace": 0,
        }


def _names(ctx: QueryContext) -> tuple[dict[int, str], dict[int, str]]:
    """uid -> name and gid -> name, first entry winning as getpwuid/getgrgid do."""
    if not ctx.uses_any(("username", "groupname")):
        return {}, {}
    accounts = ctx.host.accounts
    users: dict[int, str] = {}
    groups: dict[int, str] = {}
    try:
        for user in accounts.users():
            users.setdefault(user.uid, user.name)
    except (FileNotFoundError, PermissionError):
        pass
    try:
        for group in accounts.groups():
            groups.setdefault(group.gid, group.name)
    except (FileNotFoundError, PermissionError):
        pass
    return users, groups
