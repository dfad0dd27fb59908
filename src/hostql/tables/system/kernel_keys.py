"""kernel_keys: the keys of the kernel key retention service visible in /proc/keys."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


def _number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@table(
    "kernel_keys",
    "List of security data, authentication keys and encryption keys.",
    platforms=(LINUX,),
    examples=("select * from kernel_keys",),
    notes="Lists the keys the querying process may view. As in osquery, a line must split "
    "into exactly ten words: keys whose description holds more spaces are left out, and the "
    "description joins its two words without a space (`_uid.0:empty`).",
    columns=[
        Column("serial_number", TEXT, "The serial key of the key."),
        Column("flags", TEXT, "A set of flags describing the state of the key."),
        Column(
            "usage",
            BIGINT,
            "the number of threads and open file references that refer to this key.",
        ),
        Column(
            "timeout",
            TEXT,
            "The amount of time until the key will expire, expressed in human-readable form. "
            "The string perm here means that the key is permanent (no timeout).  The string "
            "expd means that the key has already expired.",
        ),
        Column(
            "permissions",
            TEXT,
            "The key permissions, expressed as four hexadecimal bytes containing, from left to "
            "right, the possessor, user, group, and other permissions.",
        ),
        Column("uid", BIGINT, "The user ID of the key owner."),
        Column("gid", BIGINT, "The group ID of the key."),
        Column("type", TEXT, "The key type."),
        Column("description", TEXT, "The key description."),
    ],
)
def kernel_keys(ctx: QueryContext) -> Iterator[Row]:
    """One row per ten-word line of /proc/keys."""
    try:
        text = ctx.host.kernel.keys_text()
    except (FileNotFoundError, PermissionError):
        return
    for line in text.split("\n"):
        details = line.split()
        if len(details) != 10:
            continue  # osquery's rule: anything else is "malformed"
        yield {
            "serial_number": details[0],
            "flags": details[1],
            "usage": _number(details[2]),
            "timeout": details[3],
            "permissions": details[4],
            "uid": _number(details[5]),
            "gid": _number(details[6]),
            "type": details[7],
            "description": details[8] + details[9],
        }
