"""deb_package_files: the files each installed DEB package put on the system."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.dpkg import ADMINDIR
from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "deb_package_files",
    "Installed files from DEB packages that are currently installed on the system.",
    platforms=(LINUX,),
    examples=(
        "select * from deb_package_files where package = 'bash'",
        "select package, count(*) from deb_package_files group by package",
    ),
    notes="Lists <admindir>/info/<package>.list, or <package>:<arch>.list for Multi-Arch: "
    "same packages (osquery reads only <package>.list and so lists no files for those). "
    "A package constraint reads only that package's list file.",
    columns=[
        Column("package", TEXT, "DEB package name", index=True, optimized=True),
        Column("path", TEXT, "File path within the package", index=True),
        Column(
            "admindir",
            TEXT,
            "libdpkg admindir. Defaults to /var/lib/dpkg",
            additional=True,
            optimized=True,
        ),
    ],
)
def deb_package_files(ctx: QueryContext) -> Iterator[Row]:
    """One row per line of each installed package's file list."""
    admindirs = ctx.equals("admindir")
    wanted = ctx.equals("package")
    reader = ctx.host.dpkg
    for admindir in sorted(admindirs) if admindirs is not None else (ADMINDIR,):
        try:
            packages = reader.packages(admindir, ctx.warn)
        except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
            if admindirs is not None:
                ctx.warn(f"deb_package_files: not a dpkg admindir: {admindir} ({exc.strerror})")
            continue
        for package in packages:
            if wanted is not None and package.name not in wanted:
                continue
            text = reader.list_file(package, admindir)
            if text is None:
                continue
            for path in text.split("\n"):
                if path:
                    yield {"package": package.name, "path": path, "admindir": admindir}
