"""rpm_package_files: the files each package of the RPM database installs."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.rpmdb import NAME, HeaderError, package_files
from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "rpm_package_files",
    "Installed files from RPM packages that are currently installed on the system.",
    platforms=(LINUX,),
    examples=(
        "select * from rpm_package_files where package = 'bash'",
        "select package, path from rpm_package_files where path like '/usr/bin/%'",
    ),
    notes="File lists decoded from the package headers of the RPM database (see "
    "rpm_packages). mode is the permission bits as four octal digits; sha256 is set when the "
    "package records SHA-256 file digests, zeros for entries without content. A package "
    "constraint reads only the matching headers. Unlike osquery, packages with more than "
    "65536 files are listed too.",
    columns=[
        Column("package", TEXT, "RPM package name", index=True, optimized=True),
        Column("path", TEXT, "File path within the package", index=True),
        Column("username", TEXT, "File default username from info DB"),
        Column("groupname", TEXT, "File default groupname from info DB"),
        Column("mode", TEXT, "File permissions mode from info DB"),
        Column("size", BIGINT, "Expected file size in bytes from RPM info DB"),
        Column("sha256", TEXT, "SHA256 file digest from RPM info DB", collate="NOCASE"),
    ],
)
def rpm_package_files(ctx: QueryContext) -> Iterator[Row]:
    """One row per file of each package header."""
    for header in ctx.host.rpmdb.headers(ctx.equals("package"), ctx.warn):
        name = header.string(NAME) or ""
        try:
            files = package_files(header)
        except HeaderError as exc:
            ctx.warn(f"rpm_package_files: skipped {name}: {exc}")
            continue
        for entry in files:
            yield {
                "package": name,
                "path": entry.path,
                "username": entry.username,
                "groupname": entry.groupname,
                "mode": f"{entry.mode >> 9 & 7}{entry.mode >> 6 & 7}{entry.mode >> 3 & 7}"
                f"{entry.mode & 7}",
                "size": entry.size,
                "sha256": entry.sha256,
            }
