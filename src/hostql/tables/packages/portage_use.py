"""portage_use: the USE flags each installed Portage package was built with."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "portage_use",
    "List of enabled portage USE values for specific package.",
    platforms=(LINUX,),
    examples=(
        "select * from portage_use",
        "select package from portage_use where use = 'ssl'",
    ),
    notes="One row per flag of each /var/db/pkg/<category>/<package>-<version>/USE file.",
    columns=[
        Column("package", TEXT, "Package name"),
        Column("version", TEXT, "The version of the installed package", collate="VERSION"),
        Column("use", TEXT, "USE flag which has been enabled for package"),
    ],
)
def portage_use(ctx: QueryContext) -> Iterator[Row]:
    """One row per USE flag per installed package."""
    reader = ctx.host.portage
    for package in reader.installed():
        flags = reader.entry(package, "USE")
        for flag in (flags or "").split():
            yield {"package": package.package, "version": package.version, "use": flag}
