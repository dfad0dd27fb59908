"""osquery_flags: every flag with its default and current value."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "osquery_flags",
    "Configurable flags that modify osquery's behavior.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=("select name, value from osquery_flags where default_value <> value",),
    columns=[
        Column("name", TEXT, "Flag name"),
        Column("type", TEXT, "Flag type"),
        Column("description", TEXT, "Flag description"),
        Column("default_value", TEXT, "Flag default value"),
        Column("value", TEXT, "Flag value"),
        Column("shell_only", INTEGER, "Is the flag shell only?"),
    ],
)
def osquery_flags(ctx: QueryContext) -> Iterator[Row]:
    """Flags with names longer than two characters (as osquery), then custom_* options."""
    values = ctx.flags
    wanted = ctx.equals("name")
    for flag in values.registry:
        if len(flag.name) <= 2 or (wanted is not None and flag.name not in wanted):
            continue
        yield {
            "name": flag.name,
            "type": flag.type.value,
            "description": flag.description,
            "default_value": flag.render(flag.default),
            "value": flag.render(values[flag.name]),
            "shell_only": int(flag.shell_only),
        }
    for name, value in sorted(values.custom.items()):
        if wanted is None or name in wanted:
            yield {
                "name": name,
                "type": "string",
                "description": "",
                "default_value": "",
                "value": value,
                "shell_only": 0,
            }
