"""Helpers for table and plugin authors: run a table against a fixture host, with constraints."""

from __future__ import annotations

import os
from typing import Any

from hostql.flags import FlagValues, default_values
from hostql.host import Host
from hostql.registry import TableRegistry
from hostql.schema import TableSpec
from hostql.sql.engine import Engine


def engine_for(
    *specs: TableSpec,
    root: str | os.PathLike[str] = "/",
    flags: dict[str, Any] | FlagValues | None = None,
) -> Engine:
    """An Engine holding only specs, reading the host under root."""
    values = flags if isinstance(flags, FlagValues) else default_values()
    if isinstance(flags, dict):
        for name, value in flags.items():
            values.set(name, value)
    registry = TableRegistry()
    for spec in specs:
        registry.add(spec)
    return Engine(flags=values, host=Host(root), tables=registry)


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
