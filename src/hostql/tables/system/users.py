"""users: local user accounts, from /etc/passwd."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from hostql.host.accounts import Accounts, User, as_id, signed
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "users",
    "Local user accounts (including domain accounts that have logged on locally (Windows)).",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from users where uid = 1000",
        "select * from users where username = 'root'",
        "select count(*) from users u, user_groups ug where u.uid = ug.uid",
    ),
    notes="Reads /etc/passwd (as osquery does since it stopped asking NSS by default): "
    "accounts of other NSS sources such as LDAP, SSSD or NIS are not listed unless "
    "include_remote = 1 on the live host. pid_with_namespace = N reads the passwd file of "
    "process N's mount namespace (/proc/N/root/etc/passwd).",
    columns=[
        Column("uid", BIGINT, "User ID", index=True),
        Column("gid", BIGINT, "Group ID (unsigned)"),
        Column("uid_signed", BIGINT, "User ID as int64 signed (Apple)"),
        Column("gid_signed", BIGINT, "Default group ID as int64 signed (Apple)"),
        Column("username", TEXT, "Username", additional=True),
        Column("description", TEXT, "Optional user description"),
        Column("directory", TEXT, "User's home directory"),
        Column("shell", TEXT, "User's configured default shell"),
        Column("uuid", TEXT, "User's UUID (Apple) or SID (Windows)", index=True, collate="NOCASE"),
        Column("type", TEXT, "", platforms=("windows",)),
        Column("is_hidden", INTEGER, "", platforms=("macos",)),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
        Column(
            "include_remote",
            INTEGER,
            "1 to include remote (LDAP/AD) accounts (default 0). Warning: without any "
            "uid/username filtering it may list whole LDAP directories",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def users(ctx: QueryContext) -> Iterator[Row]:
    """One row per passwd entry; uid and username constraints select the entries read."""
    accounts: Accounts = ctx.host.accounts
    names = ctx.equals("username")
    uid_values = ctx.equals("uid")
    uids = None if uid_values is None else {u for u in map(as_id, uid_values) if u is not None}
    remote = any(as_id(v) == 1 for v in ctx.equals("include_remote") or ())
    namespaces = ctx.equals("pid_with_namespace")
    if namespaces is not None:
        for pid in sorted({p for p in map(as_id, namespaces) if p}):
            try:
                found = accounts.users(pid)
            except (FileNotFoundError, PermissionError, NotADirectoryError):
                continue  # process exited, or its root is not ours to read
            yield from _rows(_select(found, names, uids), pid, 0)
    elif remote:
        yield from _rows(_remote(accounts, names, uids), 0, 1)
    else:
        try:
            found = accounts.users()
        except (FileNotFoundError, PermissionError) as exc:
            ctx.warn(f"could not open /etc/passwd file: {exc.strerror}")
            return
        yield from _rows(_select(found, names, uids), 0, 0)


def _select(found: list[User], names: set[Any] | None, uids: set[int] | None) -> Iterator[User]:
    """osquery's local filter: usernames if constrained, else uids, else everything."""
    for user in found:
        if names is not None:
            if user.name not in names:
                continue
        elif uids is not None and user.uid not in uids:
            continue
        yield user


def _remote(accounts: Accounts, names: set[Any] | None, uids: set[int] | None) -> Iterator[User]:
    """NSS lookups by uid or name (so LDAP is not enumerated), or the whole NSS listing."""
    if uids is not None:
        keys: Iterable[int | str] = sorted(uids)
    elif names is not None:
        keys = sorted(n for n in names if isinstance(n, str))
    else:
        yield from accounts.nss_users()
        return
    for key in keys:
        user = accounts.nss_user(key)
        if user is not None:
            yield user


def _rows(found: Iterable[User], namespace: int, remote: int) -> Iterator[Row]:
    for user in found:
        yield {
            "uid": user.uid,
            "gid": user.gid,
            "uid_signed": signed(user.uid),
            "gid_signed": signed(user.gid),
            "username": user.name,
            "description": user.gecos,
            "directory": user.directory,
            "shell": user.shell,
            "pid_with_namespace": namespace,
            "include_remote": remote,
        }
