"""shadow: password status and ageing of local accounts, from /etc/shadow."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "shadow",
    "Local system users encrypted passwords and related information. Please note, that you "
    "usually need superuser rights to access `/etc/shadow`.",
    platforms=(LINUX,),
    examples=("select * from shadow where username = 'root'",),
    notes="Needs root (or the shadow group) to read /etc/shadow; without it the table returns "
    "no rows and a warning. Reads /etc/shadow directly (as the NSS 'files' source).",
    columns=[
        Column("password_status", TEXT, "Password status"),
        Column("hash_alg", TEXT, "Password hashing algorithm"),
        Column(
            "last_change",
            BIGINT,
            "Date of last password change (starting from UNIX epoch date)",
        ),
        Column("min", BIGINT, "Minimal number of days between password changes"),
        Column("max", BIGINT, "Maximum number of days between password changes"),
        Column("warning", BIGINT, "Number of days before password expires to warn user about it"),
        Column(
            "inactive",
            BIGINT,
            "Number of days after password expires until account is blocked",
        ),
        Column("expire", BIGINT, "Number of days since UNIX epoch date until account is disabled"),
        Column("flag", BIGINT, "Reserved"),
        Column("username", TEXT, "Username", index=True, optimized=True),
    ],
)
def shadow(ctx: QueryContext) -> Iterator[Row]:
    """One row per /etc/shadow entry; a username constraint picks the first entry of each name."""
    usernames = ctx.equals("username")
    if usernames is not None:
        usernames = {str(u) for u in usernames}
        if not usernames:
            return
    try:
        yield from ctx.host.etc_files.shadow(usernames)
    except PermissionError:
        ctx.warn("shadow: /etc/shadow is not readable (root is needed)")
    except FileNotFoundError:
        return
