"""user_groups: which groups each local user belongs to, from /etc/passwd and /etc/group."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.accounts import Accounts, as_id, group_list
from hostql.schema import BIGINT, LINUX, MACOS, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "user_groups",
    "Local system user group relationships.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from user_groups where uid = 0",
        "select u.username, g.groupname from users u join user_groups ug using (uid) "
        "join groups g on g.gid = ug.gid",
    ),
    notes="getgrouplist(3) over /etc/passwd and /etc/group: each user's primary group, then "
    "every group listing the user as a member. Memberships from other NSS sources such as "
    "LDAP are not covered.",
    columns=[
        Column("uid", BIGINT, "User ID", index=True, optimized=True),
        Column("gid", BIGINT, "Group ID", index=True),
    ],
)
def user_groups(ctx: QueryContext) -> Iterator[Row]:
    """One row per (user, group) membership; a uid constraint selects the users read."""
    accounts: Accounts = ctx.host.accounts
    uid_values = ctx.equals("uid")
    uids = None if uid_values is None else {u for u in map(as_id, uid_values) if u is not None}
    try:
        users = accounts.users()
    except (FileNotFoundError, PermissionError) as exc:
        ctx.warn(f"could not open /etc/passwd file: {exc.strerror}")
        return
    try:
        groups = accounts.groups()
    except (FileNotFoundError, PermissionError):
        groups = []  # getgrouplist() still gives each user's primary group
    seen: set[int] = set()
    for user in users:
        # One entry per uid, as getpwuid() and osquery's enumeration give.
        if user.uid in seen or (uids is not None and user.uid not in uids):
            continue
        seen.add(user.uid)
        for gid in group_list(user, groups):
            yield {"uid": user.uid, "gid": gid}
