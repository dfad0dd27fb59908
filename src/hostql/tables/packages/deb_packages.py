"""deb_packages: the installed DEB packages of the dpkg status database."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.dpkg import ADMINDIR
from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "deb_packages",
    "The installed DEB package database.",
    platforms=(LINUX,),
    cacheable=True,
    examples=(
        "select * from deb_packages",
        "select name, version from deb_packages where name like 'lib%' order by version",
        "select * from deb_packages where admindir = '/var/lib/dpkg'",
    ),
    notes="Reads <admindir>/status and the pending updates/ journal as libdpkg's read-only "
    "modstatdb does, without libdpkg; packages in state not-installed are left out. "
    "pid_with_namespace is not supported.",
    columns=[
        Column("name", TEXT, "Package name"),
        Column("version", TEXT, "Package version", collate="VERSION_DPKG"),
        Column("source", TEXT, "Package source"),
        Column("size", BIGINT, "Package size in bytes"),
        Column("arch", TEXT, "Package architecture"),
        Column("revision", TEXT, "Package revision"),
        Column("status", TEXT, "Package status"),
        Column("maintainer", TEXT, "Package maintainer"),
        Column("section", TEXT, "Package section"),
        Column("priority", TEXT, "Package priority"),
        Column(
            "admindir",
            TEXT,
            "libdpkg admindir. Defaults to /var/lib/dpkg",
            additional=True,
            optimized=True,
        ),
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
def deb_packages(ctx: QueryContext) -> Iterator[Row]:
    """One row per package of each admindir (default /var/lib/dpkg) that is not not-installed."""
    admindirs = ctx.equals("admindir")
    reader = ctx.host.dpkg
    for admindir in sorted(admindirs) if admindirs is not None else (ADMINDIR,):
        try:
            packages = reader.packages(admindir, ctx.warn)
        except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
            if admindirs is not None:
                ctx.warn(f"deb_packages: not a dpkg admindir: {admindir} ({exc.strerror})")
            continue
        for (
            name,
            version,
            source,
            size,
            arch,
            revision,
            status,
            maint,
            section,
            prio,
            _,
        ) in packages:
            yield {
                "name": name,
                "version": version,
                "source": source,
                "size": size,
                "arch": arch,
                "revision": revision,
                "status": status,
                "maintainer": maint,
                "section": section,
                "priority": prio,
                "admindir": admindir,
                "pid_with_namespace": 0,
            }
