"""extended_attributes: the extended attributes (and file capabilities) of given files."""

from __future__ import annotations

import base64
from collections.abc import Iterator

from hostql.host.xattrs import CAPABILITY_ATTRIBUTE
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


def parent_path(path: str) -> str:
    """boost::filesystem::path::parent_path(): "/a/b" -> "/a", "/a/" -> "/a", "/a" -> "/"."""
    if path.endswith("/") and path != "/":
        return path[:-1]
    head = path.rpartition("/")[0]
    return head if head or path == "/" or not path.startswith("/") else "/"


def printable_value(value: bytes) -> str | None:
    """The text of a NUL-terminated printable value; None for anything else."""
    # osquery's rule: the first non-printable byte must be the last byte, and a NUL.
    for index, byte in enumerate(value):
        if not 0x20 <= byte <= 0x7E:
            if byte == 0 and index == len(value) - 1:
                return value[:-1].decode("ascii")
            return None
    return None


def attribute_rows(ctx: QueryContext, path: str, directory: str) -> Iterator[Row]:
    """The rows of one file: its capabilities first, then each attribute."""
    xattrs = ctx.host.xattrs
    attributes = xattrs.attributes(path)
    if attributes is None:
        ctx.warn(f"Failed to list the extended attributes for the following path: {path}")
        return
    base = {"path": path, "directory": directory}
    capabilities = xattrs.capabilities(path)
    if capabilities:
        yield {**base, "key": CAPABILITY_ATTRIBUTE, "value": capabilities, "base64": 0}
    for key, value in attributes:
        if key == CAPABILITY_ATTRIBUTE and capabilities is not None:
            continue  # already decoded; the raw bytes appear only if decoding failed
        if not value:
            yield {**base, "key": key, "value": "", "base64": 1}
            continue
        text = printable_value(value)
        if text is not None:
            yield {**base, "key": key, "value": text, "base64": 0}
        else:
            yield {**base, "key": key, "value": base64.b64encode(value).decode(), "base64": 1}


@table(
    "extended_attributes",
    "Returns the extended attributes for files (similar to Windows ADS).",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from extended_attributes where path = '/etc/passwd'",
        "select path, key, value from extended_attributes where directory = '/usr/bin'",
    ),
    notes="Values that are not a NUL-terminated printable string come base64-encoded. "
    "osquery on Linux ignores a directory constraint; hostql lists that directory's files.",
    columns=[
        Column("path", TEXT, "Absolute file path", required=True, optimized=True),
        Column("directory", TEXT, "Directory of file(s)", required=True, optimized=True),
        Column("key", TEXT, "Name of the value generated from the extended attribute"),
        Column("value", TEXT, "The parsed information from the attribute"),
        Column("base64", INTEGER, "1 if the value is base64 encoded else 0"),
    ],
)
def extended_attributes(ctx: QueryContext) -> Iterator[Row]:
    """Rows for the paths asked for (= and LIKE), then for the files of directories asked for."""
    files = ctx.host.files
    paths = {str(p) for p in ctx.equals("path") or ()}
    for pattern in ctx.patterns("path"):
        paths.update(found[0] for found in files.expand(pattern))
    for path in sorted(paths):
        yield from attribute_rows(ctx, path, parent_path(path))
    directories = {str(d) for d in ctx.equals("directory") or ()}
    for pattern in ctx.patterns("directory"):
        directories.update(found[0] for found in files.expand(pattern, folders=True))
    for directory in sorted(directories):
        directory = directory.rstrip("/") or "/"
        real = files.real(directory)
        if not files.is_readable_dir(real):
            continue
        # A "*" glob limited to files: sorted, no dot files, no directories.
        names = sorted(
            found[0]
            for found in files.list_dir(directory)
            if not found[0].rsplit("/", 1)[-1].startswith(".") and not files.is_dir(found[1])
        )
        for path in names:
            if path not in paths:  # already reported for a path constraint
                yield from attribute_rows(ctx, path, directory)
