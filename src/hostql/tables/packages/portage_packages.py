"""portage_packages: the packages Portage has installed (/var/db/pkg)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

# Package database file -> column.
_ENTRIES = {
    "SLOT": "slot",
    "BUILD_TIME": "build_time",
    "repository": "repository",
    "EAPI": "eapi",
    "SIZE": "size",
}


@table(
    "portage_packages",
    "List of currently installed packages.",
    platforms=(LINUX,),
    examples=(
        "select * from portage_packages",
        "select package, version, slot from portage_packages where world = 1",
    ),
    notes="One row per /var/db/pkg/<category>/<package>-<version> directory; slot, "
    "build_time, repository, eapi and size come from its SLOT, BUILD_TIME, repository, EAPI "
    "and SIZE files, world from /var/lib/portage/world. osquery returns nothing when the "
    "world file is missing; hostql reports the packages with world = 0, and matches world "
    "entries written with a :slot.",
    columns=[
        Column("package", TEXT, "Package name"),
        Column(
            "version",
            TEXT,
            "The version which are affected by the use flags, empty means all",
            collate="VERSION",
        ),
        Column("slot", TEXT, "The slot used by package"),
        Column("build_time", BIGINT, "Unix time when package was built"),
        Column("repository", TEXT, "From which repository the ebuild was used"),
        Column("eapi", BIGINT, "The eapi for the ebuild"),
        Column("size", BIGINT, "The size of the package"),
        Column("world", INTEGER, "If package is in the world file"),
    ],
)
def portage_packages(ctx: QueryContext) -> Iterator[Row]:
    """One row per installed package directory."""
    reader = ctx.host.portage
    installed = reader.installed()
    world = reader.world() or set() if installed else set()
    wanted = [(name, column) for name, column in _ENTRIES.items() if ctx.uses(column)]
    for package in installed:
        row: Row = {
            "package": package.package,
            "version": package.version,
            "world": int(package.package in world),
        }
        for name, column in wanted:
            row[column] = reader.entry(package, name)
        yield row
