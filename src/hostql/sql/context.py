"""QueryContext: what a table generator is told about the query it serves."""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

    from hostql.flags import FlagValues
    from hostql.host import Host
    from hostql.registry import TableRegistry

EQ, GT, LE, LT, GE = "=", ">", "<=", "<", ">="
NE, LIKE, GLOB, REGEXP, IN = "<>", "LIKE", "GLOB", "REGEXP", "IN"

# Plain slotted classes (not dataclasses): this module is on hostqli's start-up path.


class Constraint:
    """One pushed-down constraint: column op value (for IN, value is a frozenset)."""

    __slots__ = ("column", "op", "value")

    def __init__(self, column: str, op: str, value: Any) -> None:
        self.column = column
        self.op = op
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Constraint) and (self.column, self.op, self.value) == (
            other.column,
            other.op,
            other.value,
        )

    def __hash__(self) -> int:
        return hash((self.column, self.op, self.value))

    def __repr__(self) -> str:
        return f"Constraint({self.column!r}, {self.op!r}, {self.value!r})"


def random_uuid() -> str:
    """A random (version 4) UUID string, without importing the uuid module."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class Runtime:
    """Facts about the running hostql process that introspection tables report."""

    __slots__ = (
        "config_hash",
        "config_valid",
        "delivery_queues",
        "events",
        "extensions",
        "instance_id",
        "packs",
        "plugins",
        "schedule",
        "start_time",
        "tables",
        "watcher",
    )

    def __init__(self) -> None:
        self.start_time = int(time.time())
        self.instance_id = random_uuid()
        self.config_hash = ""
        self.config_valid = False
        self.watcher = -1
        self.tables: TableRegistry | None = None
        # registry name -> plugin name -> active, for plugins other than tables.
        self.plugins: dict[str, dict[str, bool]] = {}
        self.extensions: list[dict[str, Any]] = []
        # The running event store (hostql.events), where evented tables read their rows.
        self.events: Any = None
        # Per-sink spool statistics of the remote loggers (hostql_delivery_queues).
        self.delivery_queues: Any = None
        # Kept current by the daemon: one row per scheduled query / loaded pack.
        self.schedule: list[dict[str, Any]] = []
        self.packs: list[dict[str, Any]] = []


class QueryContext:
    """Pushed-down constraints, the columns the query uses, the host and the flags."""

    __slots__ = ("_flags", "_host", "constraints", "runtime", "table", "used_columns", "warnings")

    def __init__(
        self,
        table: str,
        constraints: tuple[Constraint, ...] = (),
        used_columns: frozenset[str] | None = None,
        host: Host | None = None,
        flags: FlagValues | None = None,
        warnings: list[str] | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.table = table
        self.constraints = constraints
        self.used_columns = used_columns
        self._host = host
        self._flags = flags
        self.warnings = [] if warnings is None else warnings
        self.runtime = Runtime() if runtime is None else runtime

    @property
    def host(self) -> Host:
        """The host this query reads (the live machine unless the engine was given a root)."""
        if self._host is None:
            from hostql.host import Host

            self._host = Host()
        return self._host

    @property
    def flags(self) -> FlagValues:
        """Current flag values."""
        if self._flags is None:
            from hostql.flags import default_values

            self._flags = default_values()
        return self._flags

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
