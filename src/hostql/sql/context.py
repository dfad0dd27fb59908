"""QueryContext: what a table generator is told about the query it serves."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.flags import FlagValues
    from hostql.host import Host
    from hostql.registry import TableRegistry

EQ, GT, LE, LT, GE = "=", ">", "<=", "<", ">="
NE, LIKE, GLOB, REGEXP, IN = "<>", "LIKE", "GLOB", "REGEXP", "IN"


@dataclass(frozen=True, slots=True)
class Constraint:
    """One pushed-down constraint: column op value (for IN, value is a frozenset)."""

    column: str
    op: str
    value: Any


@dataclass(slots=True)
class Runtime:
    """Facts about the running hostql process that introspection tables report."""

    start_time: int = field(default_factory=lambda: int(time.time()))
    instance_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    config_hash: str = ""
    config_valid: bool = False
    watcher: int = -1
    tables: TableRegistry | None = None
    # registry name -> plugin name -> active, for plugins other than tables.
    plugins: dict[str, dict[str, bool]] = field(default_factory=dict)
    extensions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class QueryContext:
    """Pushed-down constraints, the columns the query uses, the host and the flags."""

    table: str
    constraints: tuple[Constraint, ...] = ()
    used_columns: frozenset[str] | None = None
    host: Host = field(default=None)  # type: ignore[assignment]
    flags: FlagValues = field(default=None)  # type: ignore[assignment]
    warnings: list[str] = field(default_factory=list)
    runtime: Runtime = field(default_factory=Runtime)

    def __post_init__(self) -> None:
        if self.host is None:
            from hostql.host import Host

            self.host = Host()
        if self.flags is None:
            from hostql.flags import default_values

            self.flags = default_values()

    def on(self, column: str) -> Iterator[Constraint]:
        """The constraints on column."""
        return (c for c in self.constraints if c.column == column)

    def has(self, column: str, op: str | None = None) -> bool:
        """Whether column is constrained (with op, if given)."""
        return any(op is None or c.op == op for c in self.on(column))

    def equals(self, column: str) -> set[Any] | None:
        """Values column must equal (from = and IN), or None when it is not so constrained.

        Several = / IN constraints on one column intersect, so the result may be empty.
        """
        result: set[Any] | None = None
        for c in self.on(column):
            if c.op == EQ:
                values = {c.value}
            elif c.op == IN:
                values = set(c.value)
            else:
                continue
            values.discard(None)
            result = values if result is None else result & values
        return result

    def patterns(self, column: str, op: str = LIKE) -> list[str]:
        """The LIKE (or GLOB) patterns given for column."""
        return [c.value for c in self.on(column) if c.op == op and isinstance(c.value, str)]

    def uses(self, column: str) -> bool:
        """Whether the query reads column (so an expensive column can be skipped if not)."""
        return self.used_columns is None or column in self.used_columns

    def uses_any(self, columns: Iterable[str]) -> bool:
        """Whether the query reads any of columns."""
        return any(self.uses(c) for c in columns)

    def warn(self, message: str) -> None:
        """Record a warning to show with the results (osquery logs these as W lines)."""
        self.warnings.append(message)
