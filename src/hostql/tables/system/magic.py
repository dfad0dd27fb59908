"""magic: libmagic's description, MIME type and encoding of given files."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.libmagic import (
    DEFAULT_DATABASES,
    MAGIC_MIME_ENCODING,
    MAGIC_MIME_TYPE,
    MagicError,
)
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "magic",
    "Magic number recognition library table.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from magic where path = '/etc/passwd'",
        "select path, mime_type from magic where path in ('/bin/sh', '/etc/hostname')",
    ),
    notes="Like osquery, every path after the first of an IN list gets its data under the "
    "MIME-encoding flag the previous lookup left set.",
    columns=[
        Column("path", TEXT, "Absolute path to target file", required=True, index=True),
        Column(
            "magic_db_files",
            TEXT,
            "Colon(:) separated list of files where the magic db file can be found. By default "
            "one of the following is used: /usr/share/file/magic/magic, /usr/share/misc/magic "
            "or /usr/share/misc/magic.mgc",
            additional=True,
        ),
        Column("data", TEXT, "Magic number data from libmagic"),
        Column("mime_type", TEXT, "MIME type data from libmagic"),
        Column("mime_encoding", TEXT, "MIME encoding data from libmagic"),
    ],
)
def magic(ctx: QueryContext) -> Iterator[Row]:
    """One row per path constraint, described with the given (or default) databases."""
    databases = sorted(str(d) for d in ctx.equals("magic_db_files") or ())
    if not ctx.has("magic_db_files"):
        databases = list(DEFAULT_DATABASES)
    listed = ":".join(databases)
    try:
        cookie = ctx.host.libmagic.open(databases)
    except MagicError as exc:
        ctx.warn(f"Unable to load magic list of database: {listed} because: {exc}")
        return
    with cookie:
        for path in sorted(str(p) for p in ctx.equals("path") or ()):
            # osquery never resets the flags: after the first path, "data" is looked up
            # with MAGIC_MIME_ENCODING still set.
            data = cookie.file(path)
            cookie.set_flags(MAGIC_MIME_TYPE)
            mime_type = cookie.file(path)
            cookie.set_flags(MAGIC_MIME_ENCODING)
            mime_encoding = cookie.file(path)
            yield {
                "path": path,
                "magic_db_files": listed,
                "data": data,
                "mime_type": mime_type,
                "mime_encoding": mime_encoding,
            }
