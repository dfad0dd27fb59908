"""os_version: the distribution's name and version from /etc/os-release (or redhat-release)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

_OS_RELEASE_KEYS = {
    "NAME": "name",
    "VERSION": "version",
    "BUILD_ID": "build",
    "ID": "platform",
    "ID_LIKE": "platform_like",
    "VERSION_CODENAME": "codename",
    "VERSION_ID": "_id",
}
_RELEASE_LINE = re.compile(r"([\w+\s]+) .* ([0-9]+)\.([0-9]+)\.?(\w+)?", re.ASCII)


@table(
    "os_version",
    "A single row containing the operating system name and version.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select name, version, major, minor, platform, arch from os_version",),
    notes="major, minor and patch are reported as osquery reads them: text such as '08' "
    "is parsed with a leading zero as octal, so it becomes NULL.",
    columns=[
        Column("name", TEXT, "Distribution or product name"),
        Column("version", TEXT, "Pretty, suitable for presentation, OS version", collate="VERSION"),
        Column("major", INTEGER, "Major release version"),
        Column("minor", INTEGER, "Minor release version"),
        Column("patch", INTEGER, "Optional patch release"),
        Column("build", TEXT, "Optional build-specific or variant string"),
        Column("platform", TEXT, "OS Platform or ID"),
        Column("platform_like", TEXT, "Closely related platforms"),
        Column("codename", TEXT, "OS version codename"),
        Column("arch", TEXT, "OS Architecture"),
        Column("extra", TEXT, "", platforms=("macos",)),
        Column("install_date", BIGINT, "", platforms=("windows",)),
        Column("revision", INTEGER, "", platforms=("windows",)),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
        Column("mount_namespace_id", TEXT, "Mount namespace id", hidden=True, platforms=("linux",)),
    ],
)
def os_version(ctx: QueryContext) -> Iterator[Row]:
    """One row: os-release fields, the architecture, and older Red Hat / Gentoo release files."""
    sysinfo = ctx.host.sysinfo
    # osquery's defaults when nothing better is known.
    row: Row = {
        "name": "Unknown",
        "major": "0",
        "minor": "0",
        "patch": "0",
        "platform": "posix",
        "pid_with_namespace": 0,
    }
    # Funtoo ships an empty os-release.
    if sysinfo.is_readable("/etc/os-release") and sysinfo.file_size("/etc/os-release") > 0:
        row.update(parse_os_release(sysinfo.read("/etc/os-release") or ""))
    row["arch"] = sysinfo.machine()
    for path, platform in (("/etc/redhat-release", "rhel"), ("/etc/gentoo-release", "gentoo")):
        content = sysinfo.read(path)
        if content is not None:
            row.update(platform=platform, platform_like=platform)
            row.update(parse_release_file(content))
            break
    yield row


def parse_os_release(text: str) -> Row:
    """The os_version columns an os-release file sets (osquery's reading of it)."""
    row: Row = {}
    for line in text.split("\n"):
        fields = split_limited(line, "=", 1)
        if len(fields) != 2:
            continue
        key, value = fields
        column = _OS_RELEASE_KEYS.get(key)
        if column is None:
            # Some distributions invent their own *CODENAME* key.
            if "CODENAME" not in key:
                continue
            column = "codename"
        # osquery unquotes double-quoted values only.
        if value.startswith('"'):
            value = value[1:-1]
        row[column] = value
        if column == "_id":
            parts = split_limited(value, ".", 2)
            for name, part in zip(("major", "minor", "patch"), parts, strict=False):
                row[name] = part
    row.pop("_id", None)
    return row


def split_limited(text: str, separator: str, limit: int) -> list[str]:
    """osquery's split(text, separator, n): trimmed non-empty pieces, the rest joined."""
    pieces = [piece.strip() for piece in text.split(separator) if piece]
    if len(pieces) > limit:
        pieces[limit:] = [separator.join(pieces[limit:])]
    return pieces


def parse_release_file(text: str) -> Row:
    """Name and version numbers of an /etc/redhat-release style one-line file."""
    content = " ".join(text.split())
    row: Row = {"version": content, "build": ""}
    match = _RELEASE_LINE.search(content)
    if match:
        row.update(
            name=match.group(1),
            major=match.group(2),
            minor=match.group(3),
            patch=match.group(4) or "0",
        )
    return row
