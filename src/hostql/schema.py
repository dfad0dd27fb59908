"""Table specs: column types, columns, TableSpec, and the @table decorator (pure data)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.sql.context import QueryContext

Row = dict[str, Any]
Generator = Callable[["QueryContext"], Iterable[Row]]

LINUX = "linux"
MACOS = "macos"
WINDOWS = "windows"
ALL = (LINUX, MACOS, WINDOWS)
POSIX = (LINUX, MACOS)


class ColumnType(enum.Enum):
    """The SQL types osquery declares to SQLite."""

    TEXT = "TEXT"
    INTEGER = "INTEGER"
    BIGINT = "BIGINT"
    UNSIGNED_BIGINT = "UNSIGNED BIGINT"
    DOUBLE = "DOUBLE"
    BLOB = "BLOB"

    @property
    def python_type(self) -> type:
        """The Python type a value of this column has once read."""
        return _PYTHON_TYPES[self]


TEXT = ColumnType.TEXT
INTEGER = ColumnType.INTEGER
BIGINT = ColumnType.BIGINT
UNSIGNED_BIGINT = ColumnType.UNSIGNED_BIGINT
DOUBLE = ColumnType.DOUBLE
BLOB = ColumnType.BLOB

_PYTHON_TYPES: dict[ColumnType, type] = {
    TEXT: str,
    INTEGER: int,
    BIGINT: int,
    UNSIGNED_BIGINT: int,
    DOUBLE: float,
    BLOB: bytes,
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table, with osquery's option flags."""

    name: str
    type: ColumnType
    description: str = ""
    required: bool = False
    index: bool = False
    hidden: bool = False
    additional: bool = False
    optimized: bool = False
    collate: str | None = None
    aliases: tuple[str, ...] = ()
    # Non-empty for osquery's extended_schema() columns of other platforms: declared
    # HIDDEN on Linux and always NULL.
    platforms: tuple[str, ...] = ()
    # A column hostql adds beyond osquery's schema; always hidden, so SELECT * and
    # osquery's result lines stay identical.
    hostql_only: bool = False

    @property
    def foreign(self) -> bool:
        """True for another platform's column: hidden here and always NULL."""
        return bool(self.platforms) and LINUX not in self.platforms

    @property
    def is_hidden(self) -> bool:
        """Whether SELECT * leaves this column out."""
        return self.hidden or self.foreign or self.hostql_only

    @property
    def pushdown(self) -> bool:
        """Whether osquery hands constraints on this column to the table (cost 1)."""
        return self.index or self.additional or self.required or self.optimized


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table: its osquery schema and the generator that yields its rows."""

    name: str
    description: str
    columns: tuple[Column, ...]
    generator: Generator | None = None
    platforms: tuple[str, ...] = ALL
    aliases: tuple[str, ...] = ()
    evented: bool = False
    cacheable: bool = False
    utility: bool = False
    user_data: bool = False
    no_pkey: bool = False
    examples: tuple[str, ...] = ()
    notes: str = ""
    column_index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.column_index:
            names = {c.name: i for i, c in enumerate(self.all_columns())}
            object.__setattr__(self, "column_index", names)

    def all_columns(self) -> Iterator[Column]:
        """The declared columns followed by one HIDDEN column per column alias."""
        yield from self.columns
        # osquery keeps column aliases in a map keyed by the target column's name.
        for alias, target in sorted(self.alias_targets().items(), key=lambda a: (a[1], a[0])):
            column = next(c for c in self.columns if c.name == target)
            yield Column(alias, column.type, f"Alias of {target}", hidden=True)

    def alias_targets(self) -> dict[str, str]:
        """Map of column alias -> the column it repeats."""
        return {a: c.name for c in self.columns for a in c.aliases}

    def column(self, name: str) -> Column:
        """The column called name (KeyError if there is none)."""
        for c in self.all_columns():
            if c.name == name:
                return c
        raise KeyError(name)

    def create_table_sql(self, *, osquery_only: bool = False) -> str:
        """The CREATE TABLE text declared to SQLite (osquery_only: without hostql's columns)."""
        parts = []
        for c in self.all_columns():
            if osquery_only and c.hostql_only:
                continue
            text = f"`{c.name}` {c.type.value}"
            if c.is_hidden:
                text += " HIDDEN"
            if c.collate:
                text += f" COLLATE {c.collate}"
            parts.append(text)
        # osquery's rule: index and additional columns form the key; additional columns
        # without any index column make every column part of it.
        if any(c.index for c in self.columns):
            keys = [c.name for c in self.columns if c.index or c.additional]
        elif any(c.additional for c in self.columns):
            keys = [c.name for c in self.all_columns()]
        else:
            keys = []
        suffix = ""
        if keys:
            parts.append("PRIMARY KEY (" + ", ".join(f"`{k}`" for k in keys) + ")")
            suffix = " WITHOUT ROWID"
        return f"CREATE TABLE {self.name}({', '.join(parts)}){suffix};"


def table(
    name: str,
    description: str,
    *,
    columns: Iterable[Column],
    platforms: Iterable[str] = ALL,
    aliases: Iterable[str] = (),
    evented: bool = False,
    cacheable: bool = False,
    utility: bool = False,
    user_data: bool = False,
    no_pkey: bool = False,
    examples: Iterable[str] = (),
    notes: str = "",
) -> Callable[[Generator], TableSpec]:
    """Declare a table: decorate its generator; the module attribute becomes the TableSpec."""

    def wrap(generator: Generator) -> TableSpec:
        return TableSpec(
            name=name,
            description=description,
            columns=tuple(columns),
            generator=generator,
            platforms=tuple(platforms),
            aliases=tuple(aliases),
            evented=evented,
            cacheable=cacheable,
            utility=utility,
            user_data=user_data,
            no_pkey=no_pkey,
            examples=tuple(examples),
            notes=notes,
        )

    return wrap
