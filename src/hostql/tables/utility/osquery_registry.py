"""osquery_registry: the plugins of every registry (tables, config, logger, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext
from hostql.sql.engine import table_enabled


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
        Column(
            "origin",
            TEXT,
            "Who provides it: core, entry_point (a Python package), extension (Thrift) or api",
            hostql_only=True,
        ),
    ],
)
def osquery_registry(ctx: QueryContext) -> Iterator[Row]:
    """Every table, then the plugins the runtime reports for the other registries."""
    runtime = ctx.runtime
    owners = _owners(ctx)
    if runtime.tables is not None:
        for name in runtime.tables.names():
            active = table_enabled(name, ctx.flags)
            origin = runtime.tables.origins.get(name, "core")
            yield {
                "registry": "table",
                "name": name,
                "owner_uuid": owners.get(origin, 0),
                "internal": 0,
                "active": int(active),
                "origin": origin.partition(":")[0],
            }
    provided = {
        item: f"entry_point:{plugin.name}"
        for plugin in (runtime.tables.plugins if runtime.tables is not None else ())
        for item in plugin.provided()
    }
    for registry, plugins in sorted(runtime.plugins.items()):
        for name, active in sorted(plugins.items()):
            origin = provided.get((registry, name), "core")
            yield {
                "registry": registry,
                "name": name,
                "owner_uuid": owners.get(origin, 0),
                "internal": 0,
                "active": int(active),
                "origin": origin.partition(":")[0],
            }


def _owners(ctx: QueryContext) -> dict[str, int]:
    """Origin ("entry_point:NAME", "extension:NAME") -> its uuid in osquery_extensions."""
    owners = {f"extension:{e.get('name')}": int(e.get("uuid") or 0) for e in ctx.runtime.extensions}
    if ctx.runtime.tables is not None:
        owners.update((p.origin, p.uuid) for p in ctx.runtime.tables.load_plugins())
    return owners


def _names(text: str) -> set[str]:
    return {part.strip() for part in str(text).split(",") if part.strip()}
