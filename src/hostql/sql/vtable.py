"""The one virtual-table adapter: SQLite's planner information -> QueryContext -> generator rows."""

from __future__ import annotations

import apsw

from hostql.errors import ConstraintError, SqlError
from hostql.sql.context import (
    EQ,
    GE,
    GLOB,
    GT,
    IN,
    LE,
    LIKE,
    LT,
    NE,
    REGEXP,
    Constraint,
    QueryContext,
    Runtime,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from hostql.flags import FlagValues
    from hostql.host import Host
    from hostql.schema import Row, TableSpec

_OPS: dict[int, str] = {
    apsw.SQLITE_INDEX_CONSTRAINT_EQ: EQ,
    apsw.SQLITE_INDEX_CONSTRAINT_GT: GT,
    apsw.SQLITE_INDEX_CONSTRAINT_LE: LE,
    apsw.SQLITE_INDEX_CONSTRAINT_LT: LT,
    apsw.SQLITE_INDEX_CONSTRAINT_GE: GE,
    apsw.SQLITE_INDEX_CONSTRAINT_NE: NE,
    apsw.SQLITE_INDEX_CONSTRAINT_LIKE: LIKE,
    apsw.SQLITE_INDEX_CONSTRAINT_GLOB: GLOB,
    apsw.SQLITE_INDEX_CONSTRAINT_REGEXP: REGEXP,
    apsw.SQLITE_INDEX_CONSTRAINT_IS: EQ,
}
_SCAN_COST = 1_000_000.0
_FOREIGN = "\0foreign"
_MISSING_REQUIRED_COST = 1e18


def to_integer(value: Any) -> int | None:
    """osquery's rule: integers parse with base auto-detection; empty or unparsable is NULL."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return int(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    if not text:
        return None
    try:
        if text[:2].lower() == "0x" or text[:3].lower() == "-0x":
            return int(text, 16)
        if len(text) > 1 and text[0] == "0" and text.isdigit():
            return int(text, 8)
        return int(text, 10)
    except ValueError:
        return None


def to_double(value: Any) -> float | None:
    """Doubles: numbers pass, text parses, empty or unparsable is NULL."""
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def to_text(value: Any) -> str:
    """Text: bytes decode as UTF-8 (invalid bytes replaced), other values use str()."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def to_blob(value: Any) -> bytes:
    """Blobs: bytes pass, anything else is its UTF-8 text."""
    return value if isinstance(value, bytes) else to_text(value).encode()


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "TEXT": to_text,
    "DOUBLE": to_double,
    "BLOB": to_blob,
    "INTEGER": to_integer,
    "BIGINT": to_integer,
    "UNSIGNED BIGINT": to_integer,
}


class Environment:
    """What every cursor needs from its engine: host, flags, and the interrupt check."""

    def __init__(self, host: Host | None, flags: FlagValues, runtime: Runtime) -> None:
        self._host = host
        self.flags = flags
        self.runtime = runtime
        self.warnings: list[str] = []

    @property
    def host(self) -> Host:
        """The host tables read; created on first use (``select 1`` needs none)."""
        if self._host is None:
            from hostql.host import Host

            self._host = Host()
        return self._host


class TableModule:
    """An apsw module for one table: declares osquery's schema and builds VirtualTables."""

    def __init__(self, load_spec: Callable[[], TableSpec], env: Environment) -> None:
        self._load_spec = load_spec
        self._env = env

    def Connect(
        self, connection: Any, modulename: str, databasename: str, tablename: str, *args: Any
    ) -> tuple[str, VirtualTable]:
        spec = self._load_spec()
        return spec.create_table_sql(), VirtualTable(spec, self._env)

    Create = Connect


class VirtualTable:
    """Plans constraints for a table and opens cursors over its generator."""

    def __init__(self, spec: TableSpec, env: Environment) -> None:
        self.spec = spec
        self.env = env
        columns = list(spec.all_columns())
        aliases = spec.alias_targets()
        self.names = [c.name for c in columns]
        # Another platform's columns read a key no row has, so they are always NULL.
        self.row_keys = tuple(
            _FOREIGN if c.foreign else aliases.get(c.name, c.name) for c in columns
        )
        self.types = tuple(c.type.python_type for c in columns)
        self.converters = tuple(_CONVERTERS[c.type.value] for c in columns)
        self.required = [i for i, c in enumerate(columns) if c.required]
        self.pushdown = {i for i, c in enumerate(columns) if c.pushdown}

    def BestIndexObject(self, info: apsw.IndexInfo) -> bool:
        """Hand every usable constraint to the generator; cost favours pushdown columns."""
        plan: list[str] = []
        constrained: set[int] = set()
        argv = 0
        for i in range(info.nConstraint):
            column = info.get_aConstraint_iColumn(i)
            op = _OPS.get(info.get_aConstraint_op(i))
            if op is None or column < 0 or not info.get_aConstraint_usable(i):
                continue
            argv += 1
            info.set_aConstraintUsage_argvIndex(i, argv)
            is_in = bool(info.get_aConstraintUsage_in(i))
            if is_in:
                info.set_aConstraintUsage_in(i, True)
            plan.append(f"{column}:{IN if is_in else op}")
            if op == EQ and column in self.pushdown:
                constrained.add(column)
        # osquery's rule: one constrained required column satisfies the table
        # (file needs path OR directory).
        satisfied = not self.required or any(
            any(p.startswith(f"{c}:") for p in plan) for c in self.required
        )
        if not satisfied:
            cost = _MISSING_REQUIRED_COST
        elif constrained:
            cost = 10.0 / (1 + len(constrained))
        else:
            cost = _SCAN_COST / (1 + argv)
        info.estimatedCost = cost
        info.estimatedRows = 10 if constrained else 100_000
        used = info.colUsed
        info.idxStr = ",".join(plan) + ";" + ",".join(str(c) for c in sorted(used))
        return True

    def Open(self) -> Cursor:
        return Cursor(self)

    def Disconnect(self) -> None:
        pass

    Destroy = Disconnect

    def context(self, idx: str | None, args: tuple[Any, ...]) -> QueryContext:
        """Rebuild the QueryContext of a plan chosen by BestIndexObject."""
        plan_text, _, used_text = (idx or ";").partition(";")
        constraints = []
        for entry, value in zip(filter(None, plan_text.split(",")), args, strict=False):
            column, _, op = entry.partition(":")
            name = self.row_keys[int(column)]
            if op == IN:
                value = frozenset(value)
            constraints.append(Constraint(name, op, value))
        used: frozenset[str] | None = None
        if used_text:
            indexes = [int(c) for c in used_text.split(",")]
            # SQLite folds every column past the 63rd into bit 63.
            if any(i >= 63 for i in indexes):
                indexes += list(range(63, len(self.names)))
            used = frozenset(self.row_keys[i] for i in indexes if i < len(self.names))
        else:
            used = frozenset()
        required = {self.row_keys[column] for column in self.required}
        if required and not any(c.column in required for c in constraints):
            raise ConstraintError(
                f"Table {self.spec.name} was queried without a required column in the WHERE clause"
            )
        return QueryContext(
            table=self.spec.name,
            constraints=tuple(constraints),
            used_columns=used,
            host=self.env.host,
            flags=self.env.flags,
            warnings=self.env.warnings,
            runtime=self.env.runtime,
        )


class Cursor:
    """Iterates one generator; converts each cell to its column's type on demand."""

    # The per-cell path is the engine's hot loop: the column facts sit on the cursor itself.
    __slots__ = ("_converters", "_count", "_keys", "_row", "_rows", "_table", "_types")

    def __init__(self, table: VirtualTable) -> None:
        self._table = table
        self._keys = table.row_keys
        self._types = table.types
        self._converters = table.converters
        self._rows: Iterator[Row] = iter(())
        self._row: Row | None = None
        self._count = 0

    def Filter(self, indexnum: int, indexname: str | None, args: tuple[Any, ...]) -> None:
        table = self._table
        ctx = table.context(indexname, args)
        generator = table.spec.generator
        if generator is None:
            raise SqlError(f"table {table.spec.name} has no generator")
        self._count = 0
        try:
            self._rows = iter(generator(ctx))
        except (SqlError, apsw.Error):
            raise
        except Exception as exc:
            raise self._failure(exc) from exc
        self.Next()

    def Next(self) -> None:
        self._count += 1
        try:
            self._row = next(self._rows, None)
        except (SqlError, apsw.Error):
            raise
        except Exception as exc:
            raise self._failure(exc) from exc

    def _failure(self, exc: Exception) -> SqlError:
        """One clear line instead of a traceback."""
        return SqlError(f"table {self._table.spec.name} failed: {type(exc).__name__}: {exc}")

    def Eof(self) -> bool:
        return self._row is None

    def Rowid(self) -> int:
        return self._count

    def Column(self, index: int) -> Any:
        value = self._row.get(self._keys[index])  # type: ignore[union-attr]
        if value is None or type(value) is self._types[index]:
            return value
        return self._converters[index](value)

    def Close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()
