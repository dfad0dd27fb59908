"""Keeping an engine's extension tables in step with the registrations, on a safe thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import apsw

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from hostql.schema import TableSpec
    from hostql.sql.engine import Engine, StatementResult


class EngineBinding:
    """The extension tables one engine holds, changed only by the thread that uses the engine.

    An apsw connection refuses calls from a second thread while a statement runs
    (ThreadingViolationError), and the statement would fail as well; so registrations only
    record what is wanted and the engine's own thread applies it: the daemon in its service
    step, the shell before each command (RefreshingEngine), socket queries before each query.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.applied: dict[str, TableSpec] = {}
        self._lock = threading.Lock()

    def pending(self, wanted: Mapping[str, tuple[str, TableSpec]]) -> bool:
        """Whether the engine differs from wanted (table name -> (extension, spec))."""
        if set(wanted) != set(self.applied):
            return True
        return any(self.applied[name] is not spec for name, (_, spec) in wanted.items())

    def apply(self, wanted: Mapping[str, tuple[str, TableSpec]]) -> bool:
        """Add and remove tables to match wanted; False when the engine was busy (retry)."""
        with self._lock:
            try:
                for name, spec in list(self.applied.items()):
                    if name not in wanted or wanted[name][1] is not spec:
                        self.engine.remove_table(name)
                        del self.applied[name]
                for name, (extension, spec) in wanted.items():
                    if name not in self.applied:
                        self.engine.add_table(spec, origin=f"extension:{extension}")
                        self.applied[name] = spec
            except apsw.ThreadingViolationError:
                return False
            return True

    def owns(self, name: str) -> bool:
        """Whether name is an extension table this binding added (not a built-in)."""
        return name in self.applied


class RefreshingEngine:
    """An engine that takes in extension tables before each use (the shell's)."""

    def __init__(self, engine: Engine, refresh: Callable[[], object]) -> None:
        self.engine = engine
        self._refresh = refresh

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def statements(self, sql: str, bindings: Any = None) -> Iterator[StatementResult]:
        """Engine.statements, with current extension tables."""
        self._refresh()
        return self.engine.statements(sql, bindings)

    def execute(self, sql: str, bindings: Any = None) -> StatementResult:
        """Engine.execute, with current extension tables."""
        self._refresh()
        return self.engine.execute(sql, bindings)

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Engine.query, with current extension tables."""
        self._refresh()
        return self.engine.query(sql, *params)

    def table_names(self) -> list[str]:
        """Engine.table_names, with current extension tables."""
        self._refresh()
        return self.engine.table_names()
