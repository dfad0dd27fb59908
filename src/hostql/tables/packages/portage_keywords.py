"""portage_keywords: package.keywords, package.mask and package.unmask entries of Portage."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.portage import config_lines, split_atom
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "portage_keywords",
    "A summary about portage configurations like keywords, mask and unmask.",
    platforms=(LINUX,),
    examples=(
        "select * from portage_keywords",
        "select package, version from portage_keywords where mask = 1",
    ),
    notes="Reads /etc/portage/package.keywords, package.mask and package.unmask as osquery "
    "does: one row per atom, with its first keyword and whether a mask or unmask entry names "
    "the same atom. Unlike osquery, each of them may also be a directory of files (read "
    "recursively in name order, as Portage does).",
    columns=[
        Column("package", TEXT, "Package name"),
        Column(
            "version",
            TEXT,
            "The version which are affected by the use flags, empty means all",
            collate="VERSION",
        ),
        Column("keyword", TEXT, "The keyword applied to the package"),
        Column("mask", INTEGER, "If the package is masked"),
        Column("unmask", INTEGER, "If the package is unmasked"),
    ],
)
def portage_keywords(ctx: QueryContext) -> Iterator[Row]:
    """One row per atom named by the keywords, mask or unmask lists."""
    reader = ctx.host.portage
    atoms: dict[str, Row] = {}
    for fields in config_lines(reader.config("package.keywords")):
        keyword = fields[1] if len(fields) > 1 else ""
        # A trailing comment where the keyword would be drops the line, as in osquery.
        if keyword.startswith("#") or fields[0] in atoms:
            continue
        package, version = split_atom(fields[0])
        atoms[fields[0]] = {
            "package": package,
            "version": version,
            "keyword": keyword,
            "mask": 0,
            "unmask": 0,
        }
    for name, column in (("package.mask", "mask"), ("package.unmask", "unmask")):
        for fields in config_lines(reader.config(name)):
            row = atoms.get(fields[0])
            if row is None:
                package, version = split_atom(fields[0])
                row = atoms[fields[0]] = {
                    "package": package,
                    "version": version,
                    "keyword": "",
                    "mask": 0,
                    "unmask": 0,
                }
            row[column] = 1
    yield from atoms.values()
