"""hostql: an osquery-compatible host instrumentation framework — your host as SQL tables.

>>> import hostql
>>> hostql.query("select total_seconds > 0 as up from uptime")
[{'up': 1}]
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from hostql.schema import Column, ColumnType, TableSpec, table
    from hostql.sql.context import QueryContext
    from hostql.sql.engine import Engine

__version__ = "0.1.0"

__all__ = [
    "Column",
    "ColumnType",
    "Connection",
    "QueryContext",
    "TableSpec",
    "__version__",
    "connect",
    "query",
    "table",
    "tables",
]

# The spec vocabulary loads on first use so that `hostqli "select 1"` never pays for it.
_LAZY = {
    "Column": "hostql.schema",
    "ColumnType": "hostql.schema",
    "TableSpec": "hostql.schema",
    "table": "hostql.schema",
    "QueryContext": "hostql.sql.context",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hostql' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


class Connection:
    """A hostql database: run many queries with bound parameters against one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows of one statement as dicts; ``?`` placeholders take params."""
        return self.engine.query(sql, *params)

    def execute(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of one statement as tuples."""
        return self.engine.execute(sql, params or None).rows

    def columns(self, sql: str) -> list[str]:
        """The column names a statement returns."""
        return self.engine.execute(sql).columns

    def tables(self) -> list[str]:
        """Names of the tables this connection can query."""
        return self.engine.table_names()

    def add_table(self, spec: TableSpec) -> None:
        """Make one more table (an @table spec) queryable on this connection."""
        self.engine.add_table(spec, origin="api")

    def close(self) -> None:
        """Close the connection."""
        self.engine.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(**flags: Any) -> Connection:
    """Open a connection; keyword arguments set flags (e.g. ``disable_tables="hash"``)."""
    from hostql.flags import default_values
    from hostql.sql.engine import Engine

    values = default_values()
    for name, value in flags.items():
        values.set(name, value)
    return Connection(Engine(flags=values))


_shared: Connection | None = None


def query(sql: str, *params: Any) -> list[dict[str, Any]]:
    """Run one statement on a shared connection and return its rows as dicts."""
    global _shared
    if _shared is None:
        _shared = connect()
    return _shared.query(sql, *params)


def tables() -> list[TableSpec]:
    """The spec of every built-in table (imports every table module)."""
    from hostql.registry import builtin_registry

    return list(builtin_registry().specs())
