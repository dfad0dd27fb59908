"""osquery_registry: the plugins of every registry (tables, config, logger, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "osquery_registry",
    "List the osquery registry plugins.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=("select registry, name, active from osquery_registry where registry = 'table'",),
    columns=[
        Column("registry", TEXT, "Name of the osquery registry"),
        Column("name", TEXT, "Name of the plugin item"),
        Column("owner_uuid", INTEGER, "Extension route UUID (0 for core)"),
        Column("internal", INTEGER, "1 If the plugin is internal else 0"),
        Column("active", INTEGER, "1 If this plugin is active else 0"),
    ],
)
def osquery_registry(ctx: QueryContext) -> Iterator[Row]:
    """Every table, then the plugins the runtime reports for the other registries."""
    runtime = ctx.runtime
    if runtime.tables is not None:
        disabled = _names(ctx.flags.get("disable_tables", ""))
        enabled = _names(ctx.flags.get("enable_tables", ""))
        for name in runtime.tables.names():
            active = name not in disabled and (not enabled or name in enabled)
            yield {
                "registry": "table",
                "name": name,
                "owner_uuid": 0,
                "internal": 0,
                "active": int(active),
            }
    for registry, plugins in sorted(runtime.plugins.items()):
        for name, active in sorted(plugins.items()):
            yield {
                "registry": registry,
                "name": name,
                "owner_uuid": 0,
                "internal": 0,
                "active": int(active),
            }


def _names(text: str) -> set[str]:
    return {part.strip() for part in str(text).split(",") if part.strip()}
