"""rpm_packages: the packages of the RPM database."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.rpmdb import (
    ARCH,
    EPOCH,
    GROUP,
    INSTALLTIME,
    LONGSIZE,
    NAME,
    RELEASE,
    SHA1HEADER,
    SIZE,
    SOURCERPM,
    VENDOR,
    VERSION,
)
from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "rpm_packages",
    "RPM packages that are currently installed on the host system.",
    platforms=(LINUX,),
    cacheable=True,
    examples=(
        "select * from rpm_packages",
        "select name, version, release, arch from rpm_packages where name = 'bash'",
        "select name, version from rpm_packages order by version desc",
    ),
    notes="Reads the RPM database without librpm: /var/lib/rpm/rpmdb.sqlite (or "
    "/usr/lib/sysimage/rpm/rpmdb.sqlite) with SQLite, or a BerkeleyDB Packages file read "
    "page by page; the header blobs are decoded in Python. NDB databases (Packages.db) are "
    "not read. A name constraint reads only the matching headers (osquery honours only the "
    "first value of name IN (...)). Tags a header lacks are '' for text and NULL for numbers, "
    "as librpm reports them. pid_with_namespace is not supported.",
    columns=[
        Column("name", TEXT, "RPM package name", index=True, optimized=True),
        Column("version", TEXT, "Package version", index=True, collate="VERSION_RHEL"),
        Column("release", TEXT, "Package release", index=True),
        Column("source", TEXT, "Source RPM package name (optional)"),
        Column("size", BIGINT, "Package size in bytes"),
        Column("sha1", TEXT, "SHA1 hash of the package contents", collate="NOCASE"),
        Column("arch", TEXT, "Architecture(s) supported", index=True),
        Column("epoch", INTEGER, "Package epoch value", index=True),
        Column("install_time", INTEGER, "When the package was installed"),
        Column("vendor", TEXT, "Package vendor"),
        Column("package_group", TEXT, "Package group"),
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
def rpm_packages(ctx: QueryContext) -> Iterator[Row]:
    """One row per package header, ordered by name."""
    for header in ctx.host.rpmdb.headers(ctx.equals("name"), ctx.warn):
        size = header.number(SIZE)
        yield {
            "name": header.string(NAME) or "",
            "version": header.string(VERSION) or "",
            "release": header.string(RELEASE) or "",
            "source": header.string(SOURCERPM) or "",
            "size": size if size is not None else header.number(LONGSIZE),
            "sha1": header.string(SHA1HEADER) or "",
            "arch": header.string(ARCH) or "",
            "epoch": header.number(EPOCH),
            "install_time": header.number(INSTALLTIME),
            "vendor": header.string(VENDOR) or "",
            "package_group": header.string(GROUP) or "",
            "pid_with_namespace": 0,
        }
