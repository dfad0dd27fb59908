"""query, getQueryColumns and call on the core's socket, run on an engine of their own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from hostql.errors import SqlError
from hostql.extensions import interface as idl
from hostql.extensions.tables import expression_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hostql.extensions.bindings import EngineBinding
    from hostql.extensions.manager import ExtensionManager
    from hostql.sql.engine import Engine

# (engine, sql) -> (name, type) of each result column.
Describe = Callable[["Engine", str], list[tuple[str, str]]]
_DECLARED = frozenset({"TEXT", "INTEGER", "BIGINT", "UNSIGNED BIGINT", "DOUBLE", "BLOB"})


def declared_columns(engine: Engine, sql: str) -> list[tuple[str, str]]:
    """(name, declared type or UNKNOWN) of each column the first statement of sql returns."""
    import apsw

    from hostql.sql.engine import split_statements

    statements = split_statements(sql)
    if not statements:
        return []
    described: list[tuple[str, str | None]] = []

    def capture(cursor: Any, _sql: str, _bindings: Any) -> bool:
        described.extend(cursor.get_description())
        return False  # described: do not run it

    cursor = engine.connection.cursor()
    cursor.exec_trace = capture
    try:
        cursor.execute(statements[0])
    except apsw.ExecTraceAbort:
        pass
    except apsw.Error as exc:
        raise SqlError(str(exc)) from None
    finally:
        cursor.close()
    return [
        (name, (kind or "").upper() if (kind or "").upper() in _DECLARED else "UNKNOWN")
        for name, kind in described
    ]


def cell_text(value: Any) -> str:
    """A result value as osquery's query() returns it: text, NULL as ''."""
    if value is None:
        return ""
    return expression_text(value)


class QueryService:
    """Runs SQL for socket clients on a separate engine, one statement batch at a time."""

    def __init__(
        self,
        make_engine: Callable[[], Engine],
        manager: ExtensionManager,
        describe: Describe = declared_columns,
    ) -> None:
        self._make_engine = make_engine
        self._manager = manager
        self.describe = describe
        self._engine: Engine | None = None
        self._binding: EngineBinding | None = None
        self._lock = threading.Lock()

    def _ready(self) -> Engine:
        if self._engine is None or self._binding is None:
            self._engine = self._make_engine()
            self._binding = self._manager.bind(self._engine)
        self._manager.apply(self._binding)
        return self._engine

    def query(self, sql: str) -> dict[str, Any]:
        """ExtensionManager.query: every statement's rows, values as text."""
        with self._lock:
            engine = self._ready()
            rows: list[dict[str, str]] = []
            try:
                for result in engine.statements(sql):
                    columns = result.columns
                    rows.extend(
                        {name: cell_text(value) for name, value in zip(columns, row, strict=True)}
                        for row in result.rows
                    )
            except SqlError as exc:
                return idl.response(idl.FAILED, str(exc))
            finally:
                engine.take_warnings()
        return idl.response(idl.SUCCESS, "OK", rows)

    def columns(self, sql: str) -> dict[str, Any]:
        """ExtensionManager.getQueryColumns: one {name: type} map per result column."""
        with self._lock:
            engine = self._ready()
            try:
                described = self.describe(engine, sql)
            except SqlError as exc:
                return idl.response(idl.FAILED, str(exc))
        return idl.response(idl.SUCCESS, "OK", [{name: kind} for name, kind in described])

    def call(self, registry: str, item: str, request: dict[str, str]) -> dict[str, Any]:
        """Extension.call on the core: its table plugins ('generate' and 'columns')."""
        if registry != "table":
            return idl.response(idl.FAILED, f"Cannot call registry {registry} of the core")
        with self._lock:
            engine = self._ready()
            if item not in engine.table_names():
                return idl.response(idl.FAILED, f"Table {item} does not exist")
            spec = engine.spec(item)
        action = request.get("action", "")
        if action == "columns":
            rows = [
                {"id": "column", "name": column.name, "type": column.type.value, "op": "0"}
                for column in spec.columns
            ]
            return idl.response(idl.SUCCESS, "OK", rows)
        if action == "generate":
            return self.query(f'SELECT * FROM "{item}"')
        return idl.response(idl.FAILED, f"Unknown table action {action!r}")
