"""Engine: one apsw connection with every table as an eponymous virtual table."""

from __future__ import annotations

import apsw

from hostql.errors import HostqlError, SqlError
from hostql.sql.context import Runtime
from hostql.sql.vtable import Environment, TableModule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

    from hostql.flags import FlagValues
    from hostql.host import Host
    from hostql.registry import Plugin, TableRegistry
    from hostql.schema import TableSpec

_ALLOWED_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "function_list",
        "journal_mode",
        "case_sensitive_like",
        "collation_list",
    }
)
# osquery's authorizer: reads, functions, views/temp tables in the in-memory database;
# ATTACH, triggers, indexes, ALTER and other pragmas are denied.
_ALLOWED_ACTIONS = frozenset(
    {
        apsw.SQLITE_SELECT,
        apsw.SQLITE_READ,
        apsw.SQLITE_FUNCTION,
        apsw.SQLITE_RECURSIVE,
        apsw.SQLITE_TRANSACTION,
        apsw.SQLITE_CREATE_VIEW,
        apsw.SQLITE_CREATE_TEMP_VIEW,
        apsw.SQLITE_DROP_VIEW,
        apsw.SQLITE_DROP_TEMP_VIEW,
        apsw.SQLITE_CREATE_TABLE,
        apsw.SQLITE_CREATE_TEMP_TABLE,
        apsw.SQLITE_DROP_TABLE,
        apsw.SQLITE_DROP_TEMP_TABLE,
        apsw.SQLITE_INSERT,
        apsw.SQLITE_UPDATE,
        apsw.SQLITE_DELETE,
    }
)
_MEMORY_PRAGMAS = (
    "PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF; PRAGMA cache_size=0; "
    "PRAGMA temp_store=MEMORY;"
)


class StatementResult:
    """One statement's column names and rows (tuples in SELECT order)."""

    __slots__ = ("columns", "rows", "sql")

    def __init__(self, sql: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.sql = sql
        self.columns = columns
        self.rows = rows

    def __repr__(self) -> str:
        return f"StatementResult({self.sql!r}, {self.columns!r}, {len(self.rows)} rows)"

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as column -> value dicts."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def split_statements(sql: str) -> list[str]:
    """Split text into complete SQL statements (a trailing unterminated one is kept)."""
    statements: list[str] = []
    start = 0
    position = sql.find(";")
    while position != -1:
        candidate = sql[start : position + 1]
        if apsw.complete(candidate):
            if candidate.strip(" \t\r\n;"):
                statements.append(candidate.strip())
            start = position + 1
        position = sql.find(";", position + 1)
    rest = sql[start:].strip()
    if rest and not _only_comments(rest):
        statements.append(rest)
    return statements


def _only_comments(text: str) -> bool:
    """Whether text holds nothing but SQL comments and white space."""
    while text:
        text = text.lstrip()
        if text.startswith("--"):
            newline = text.find("\n")
            text = "" if newline == -1 else text[newline + 1 :]
        elif text.startswith("/*"):
            end = text.find("*/")
            text = "" if end == -1 else text[end + 2 :]
        else:
            return not text
    return True


class Engine:
    """One SQLite connection holding hostql's tables, osquery's functions and its authorizer."""

    def __init__(
        self,
        *,
        flags: FlagValues | None = None,
        host: Host | None = None,
        tables: TableRegistry | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        if flags is None:
            from hostql.flags import default_values

            flags = default_values()
        if tables is None:
            from hostql.registry import default_registry

            tables = default_registry(plugins=not flags.get("disable_extensions", False))
        self.flags = flags
        self.tables = tables
        if runtime is None:
            runtime = Runtime()
        runtime.tables = tables
        self.runtime = runtime
        self.env = Environment(host, flags, runtime)
        self.connection = apsw.Connection(":memory:")
        self.connection.execute(_MEMORY_PRAGMAS)
        self._denied: str | None = None
        self._registered: set[str] = set()
        self._plugin_functions: set[str] = set()
        self._plugins_seen: set[str] = set()
        from hostql.sql.functions import register

        register(self.connection)
        self.refresh_tables()
        self.connection.authorizer = self._authorize

    @property
    def host(self) -> Host:
        """The host this engine's tables read."""
        return self.env.host

    @property
    def warnings(self) -> list[str]:
        """Warnings tables recorded since the last call to take_warnings()."""
        return self.env.warnings

    def take_warnings(self) -> list[str]:
        """Return and clear the pending table and plugin warnings."""
        taken = [*self.tables.take_problems(), *self.env.warnings]
        self.env.warnings.clear()
        return taken

    def enabled(self, name: str) -> bool:
        """osquery's --disable_tables / --enable_tables rule."""
        return table_enabled(name, self.flags)

    def table_names(self) -> list[str]:
        """Every enabled table, sorted (entry-point plugins included)."""
        self.load_plugins()
        return [n for n in self.tables.names() if self.enabled(n)]

    def refresh_tables(self) -> None:
        """Register modules and alias views for tables added to the registry since last time."""
        for name in self.tables.known_names():
            if name in self._registered or not self.enabled(name):
                continue
            module = TableModule(_spec_loader(self.tables, name), self.env)
            self.connection.create_module(
                name, module, use_bestindex_object=True, eponymous_only=True, read_only=True
            )
            self._registered.add(name)
        for alias, target in self.tables.aliases().items():
            if target in self._registered and alias not in self._registered:
                self.connection.execute(
                    f'CREATE TEMP VIEW IF NOT EXISTS "{alias}" AS SELECT * FROM "{target}"'
                )
                self._registered.add(alias)

    def add_table(self, spec: TableSpec, origin: str = "core") -> None:
        """Register one more table on this engine."""
        self.tables.add(spec, origin)
        self.refresh_tables()

    def remove_table(self, name: str) -> None:
        """Unregister a table added at run time (an extension that went away)."""
        self.tables.remove(name)
        if name in self._registered:
            self.connection.create_module(name, None)
            # A statement SQLite has cached would go on using the dropped module: a schema
            # change makes it prepare the statement again, and fail with "no such table".
            self.connection.execute(
                "CREATE TEMP VIEW hostql_schema_bump AS SELECT 1; DROP VIEW hostql_schema_bump"
            )
            self._registered.discard(name)

    def spec(self, name: str) -> TableSpec:
        """The spec of an enabled table."""
        return self.tables.spec(name)

    def statements(
        self, sql: str, bindings: Sequence[Any] | None = None
    ) -> Iterator[StatementResult]:
        """Run each statement of sql in turn, yielding its result before the next runs."""
        for text in split_statements(sql):
            yield self.execute(text, bindings)

    def execute(
        self, sql: str, bindings: Sequence[Any] | dict[str, Any] | None = None
    ) -> StatementResult:
        """Run SQL (normally one statement) and return its columns and rows."""
        cursor = self.connection.cursor()
        self._denied = None
        columns: list[str] = []

        def note_columns(traced: apsw.Cursor, text: str, params: Any) -> bool:
            # The description is only readable before a statement completes.
            columns[:] = [d[0] for d in traced.description]
            return True

        cursor.exec_trace = note_columns
        try:
            rows = cursor.execute(sql, bindings).fetchall()
        except HostqlError:
            raise
        except apsw.AuthError as exc:
            reason = f": {self._denied}" if self._denied else ""
            raise SqlError(f"{exc}{reason}") from None
        except apsw.SQLError as exc:
            # Plugins load on the first name the built-ins lack, so `select 1` never pays.
            if _names_missing(exc) and self.load_plugins():
                return self.execute(sql, bindings)
            raise SqlError(str(exc)) from None
        except apsw.Error as exc:
            raise SqlError(str(exc)) from None
        except RecursionError:
            raise SqlError("statement is too deeply nested") from None
        finally:
            cursor.close()
        return StatementResult(sql, columns, rows)

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Run one statement and return its rows as dicts."""
        return self.execute(sql, params or None).dicts()

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def load_plugins(self) -> bool:
        """Load entry-point plugins (once) and register their tables and SQL functions.

        Whether anything new became queryable.
        """
        before = len(self._registered) + len(self._plugin_functions)
        for plugin in self.tables.load_plugins():
            if plugin.name not in self._plugins_seen:
                self._plugins_seen.add(plugin.name)
                self._register_plugin_functions(plugin)
        self.refresh_tables()
        return len(self._registered) + len(self._plugin_functions) > before

    def _register_plugin_functions(self, plugin: Plugin) -> None:
        from hostql.registry import SQL_FUNCTIONS_HOOK

        functions, error = plugin.call(SQL_FUNCTIONS_HOOK)
        if error:
            self.tables.problems.append(error)
        if not functions:
            return
        existing = {row[0] for row in self.connection.execute("PRAGMA function_list")}
        for name, function in functions.items():
            if name.lower() in existing | self._plugin_functions or not callable(function):
                self.tables.problems.append(
                    f"Plugin {plugin.label}: SQL function {name} is "
                    + ("already defined; ignored" if callable(function) else "not callable")
                )
                continue
            self.connection.create_scalar_function(
                name, _guarded_function(name, function, plugin.label), -1, deterministic=False
            )
            self._plugin_functions.add(name)

    def _authorize(
        self,
        action: int,
        first: str | None,
        second: str | None,
        database: str | None,
        trigger: str | None,
    ) -> int:
        if action in _ALLOWED_ACTIONS:
            return apsw.SQLITE_OK
        if action == apsw.SQLITE_PRAGMA and (first or "").lower() in _ALLOWED_PRAGMAS:
            return apsw.SQLITE_OK
        name = apsw.mapping_authorizer_function.get(action, str(action))
        detail = f" {first}" if first and action == apsw.SQLITE_PRAGMA else ""
        self._denied = f"{str(name).removeprefix('SQLITE_')}{detail} is not allowed"
        return apsw.SQLITE_DENY


def table_enabled(name: str, flags: FlagValues) -> bool:
    """osquery's rule: listed in --disable_tables is off; with --enable_tables, only those."""
    if name in _name_list(flags.get("disable_tables", "")):
        return False
    enabled = _name_list(flags.get("enable_tables", ""))
    return not enabled or name in enabled


def _name_list(text: str) -> set[str]:
    return {part.strip() for part in str(text).split(",") if part.strip()}


def _spec_loader(tables: TableRegistry, name: str):  # type: ignore[no-untyped-def]
    return lambda: tables.spec(name)


def _names_missing(exc: apsw.SQLError) -> bool:
    """Whether a statement failed on a table or function nobody has registered (yet)."""
    text = str(exc)
    return "no such table" in text or "no such function" in text


def _guarded_function(name: str, function: Any, owner: str) -> Any:
    """function, with its failures naming the plugin instead of a bare Python exception."""

    def call(*args: Any) -> Any:
        try:
            return function(*args)
        except Exception as exc:
            message = " ".join(str(exc).split())
            raise SqlError(
                f"function {name} (plugin {owner}) failed: {type(exc).__name__}: {message}"
            ) from None

    return call
