"""sudoers: the rules of /etc/sudoers and the files it includes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "sudoers",
    "Rules for running commands as other users via sudo.",
    platforms=(LINUX, MACOS),
    examples=("select * from sudoers where header = 'Defaults'",),
    notes="Needs root to read /etc/sudoers (mode 0440); returns no rows otherwise. Follows "
    "#include/@include and #includedir/@includedir (files of an included directory in name "
    "order, skipping names with '.' or ending in '~'); a trailing backslash continues a rule.",
    columns=[
        Column("source", TEXT, "Source file containing the given rule"),
        Column("header", TEXT, "Symbol for given rule"),
        Column("rule_details", TEXT, "Rule definition"),
    ],
)
def sudoers(ctx: QueryContext) -> Iterator[Row]:
    """One row per rule: the leading token as header and the rest as rule_details."""
    for source, header, details in ctx.host.etc_files.sudoers():
        yield {"source": source, "header": header, "rule_details": details}
