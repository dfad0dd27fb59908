"""Helpers for table and plugin authors: run a table against a fixture host, with constraints."""

from __future__ import annotations

import os
from typing import Any

from hostql.flags import FlagValues, default_values
from hostql.host import Host
from hostql.registry import Plugin, TableRegistry, builtin_registry
from hostql.schema import TableSpec
from hostql.sql.engine import Engine
from hostql.sql.plugin_rows import guard_plugin_table


def engine_for(
    *specs: TableSpec,
    root: str | os.PathLike[str] = "/",
    flags: dict[str, Any] | FlagValues | None = None,
) -> Engine:
    """An Engine holding only specs, reading the host under root."""
    registry = TableRegistry()
    for spec in specs:
        registry.add(spec)
    return Engine(flags=_flag_values(flags), host=Host(root), tables=registry)


def run_table(
    spec: TableSpec,
    where: str = "",
    *params: Any,
    root: str | os.PathLike[str] = "/",
    columns: str = "*",
    flags: dict[str, Any] | FlagValues | None = None,
) -> list[dict[str, Any]]:
    """Rows of `SELECT columns FROM spec WHERE where` through the real SQL engine.

    Example: ``run_table(processes, "pid = ?", 1, root=tmp_path)``.
    """
    engine = engine_for(spec, root=root, flags=flags)
    try:
        sql = f"SELECT {columns} FROM {spec.name}" + (f" WHERE {where}" if where else "")
        return engine.query(sql, *params)
    finally:
        engine.close()


def plugin_engine(
    *plugins: Any,
    root: str | os.PathLike[str] = "/",
    flags: dict[str, Any] | FlagValues | None = None,
    builtins: bool = True,
) -> Engine:
    """An Engine with the built-in tables and plugins loaded as their entry points would be.

    A plugin is the object an entry point names (usually your module). Its tables and SQL
    functions get the same checks as installed ones; ``engine.take_warnings()`` returns
    what they reported. Example: ``plugin_engine(my_plugin, root=tmp_path).query(sql)``.
    """
    loaded = [
        p if isinstance(p, Plugin) else Plugin(getattr(p, "__name__", type(p).__name__), "", p)
        for p in plugins
    ]
    registry = builtin_registry() if builtins else TableRegistry()
    registry.defer_plugins(lambda: loaded)
    engine = Engine(flags=_flag_values(flags), host=Host(root), tables=registry)
    engine.load_plugins()
    return engine


def table_warnings(
    spec: TableSpec,
    where: str = "",
    *params: Any,
    root: str | os.PathLike[str] = "/",
    flags: dict[str, Any] | FlagValues | None = None,
) -> list[str]:
    """What hostql warns about the rows spec yields (wrong types, rows that are not dicts).

    Runs `SELECT * FROM spec WHERE where` as an installed plugin's table; an empty list means
    every value fits its column. A generator that raises fails with the SqlError users see.
    """
    engine = engine_for(guard_plugin_table(spec, "under test"), root=root, flags=flags)
    try:
        sql = f"SELECT * FROM {spec.name}" + (f" WHERE {where}" if where else "")
        engine.execute(sql, params or None)
        return engine.take_warnings()
    finally:
        engine.close()


def _flag_values(flags: dict[str, Any] | FlagValues | None) -> FlagValues:
    values = flags if isinstance(flags, FlagValues) else default_values()
    if isinstance(flags, dict):
        for name, value in flags.items():
            values.set(name, value)
    return values
