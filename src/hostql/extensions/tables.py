"""Extension tables: a TableSpec from a table plugin's route, rows from Extension.call."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Protocol

from hostql.errors import PluginError, SqlError
from hostql.schema import Column, ColumnType, Generator, Row, TableSpec
from hostql.sql.context import EQ, GE, GLOB, GT, IN, LE, LIKE, LT, NE, REGEXP, QueryContext

# osquery's ColumnOptions bits in a route's "op".
INDEX, REQUIRED, ADDITIONAL, OPTIMIZED, HIDDEN = 1, 2, 4, 8, 16
# SQLite's constraint operator codes, which osquery puts in the context JSON ("op").
OPERATOR_CODES = {EQ: 2, GT: 4, LE: 8, LT: 16, GE: 32, LIKE: 65, GLOB: 66, REGEXP: 67, NE: 68}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
_TYPES = {kind.value: kind for kind in ColumnType}


class PluginCaller(Protocol):
    """What a table needs from its extension."""

    name: str

    def call(self, registry: str, item: str, request: dict[str, str]) -> dict[str, Any]:
        """Extension.call -> ExtensionResponse."""
        ...


class InvalidRoute(ValueError):
    """A table plugin's route does not describe a usable table."""


def table_spec(
    extension: PluginCaller, name: str, route: list[dict[str, str]], *, default_index: bool
) -> TableSpec:
    """The spec of an extension's table; InvalidRoute if its name or columns are unusable."""
    if not _IDENTIFIER.match(name):
        raise InvalidRoute(f"invalid table name {name!r}")
    columns: list[Column] = []
    aliases: dict[str, list[str]] = {}
    for item in route:
        kind = item.get("id", "")
        if kind == "column":
            columns.append(_column(item, default_index))
        elif kind == "columnAlias":
            target, alias = item.get("target", ""), item.get("name", "")
            if not _IDENTIFIER.match(alias):
                raise InvalidRoute(f"invalid column alias {alias!r} in table {name}")
            aliases.setdefault(target, []).append(alias)
    if not columns:
        raise InvalidRoute(f"table {name} has no columns")
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        raise InvalidRoute(f"table {name} declares a column twice")
    for target in aliases:
        if target not in names:
            raise InvalidRoute(f"column alias of unknown column {target!r} in table {name}")
    columns = [_with_aliases(column, tuple(aliases.get(column.name, ()))) for column in columns]
    return TableSpec(
        name,
        f"Table {name} of extension {extension.name}.",
        tuple(columns),
        generator=_generator(extension, name, tuple(columns)),
    )


def _column(item: dict[str, str], default_index: bool) -> Column:
    name = item.get("name", "")
    if not _IDENTIFIER.match(name):
        raise InvalidRoute(f"invalid column name {name!r}")
    try:
        options = int(item.get("op", "0") or 0)
    except ValueError:
        options = 0
    if default_index:
        # osquery's --extensions_default_index: every extension column is an index.
        options |= INDEX
    kind = _TYPES.get(str(item.get("type", "TEXT")).upper(), ColumnType.TEXT)
    return Column(
        name,
        kind,
        required=bool(options & REQUIRED),
        index=bool(options & INDEX),
        additional=bool(options & ADDITIONAL),
        optimized=bool(options & OPTIMIZED),
        hidden=bool(options & HIDDEN),
    )


def _with_aliases(column: Column, aliases: tuple[str, ...]) -> Column:
    if not aliases:
        return column
    return Column(
        column.name,
        column.type,
        required=column.required,
        index=column.index,
        additional=column.additional,
        optimized=column.optimized,
        hidden=column.hidden,
        aliases=aliases,
    )


def _generator(extension: PluginCaller, table: str, columns: tuple[Column, ...]) -> Generator:
    def generate(ctx: QueryContext) -> Iterator[Row]:
        request = {"action": "generate", "context": context_json(columns, ctx)}
        try:
            response = extension.call("table", table, request)
        except PluginError as exc:
            raise SqlError(str(exc)) from None
        status = response.get("status") or {}
        if status.get("code", 0) != 0:
            raise SqlError(f"table {table} failed: {status.get('message') or 'extension error'}")
        return iter(response.get("response") or ())

    return generate


def context_json(columns: tuple[Column, ...], ctx: QueryContext) -> str:
    """osquery's serialized QueryContext: per-column constraint lists and the columns used."""
    lists: dict[str, list[dict[str, Any]]] = {column.name: [] for column in columns}
    for constraint in ctx.constraints:
        entries = lists.get(constraint.column)
        if entries is None:
            continue
        if constraint.op == IN:
            # osquery hands an IN list over as one equality per value.
            for value in sorted(constraint.value, key=_sort_key):
                if value is not None:
                    entries.append({"op": OPERATOR_CODES[EQ], "expr": expression_text(value)})
            continue
        code = OPERATOR_CODES.get(constraint.op)
        if code is not None and constraint.value is not None:
            entries.append({"op": code, "expr": expression_text(constraint.value)})
    document: dict[str, Any] = {
        "constraints": [
            {"name": column.name, "list": lists[column.name], "affinity": column.type.value}
            for column in columns
        ]
    }
    if ctx.used_columns is not None:
        used = [column.name for column in columns if column.name in ctx.used_columns]
        document["colsUsed"] = used
        document["colsUsedBitset"] = sum(
            1 << index for index, column in enumerate(columns[:64]) if column.name in used
        )
    return json.dumps(document, separators=(",", ":"))


def expression_text(value: Any) -> str:
    """A constraint value as SQLite's sqlite3_value_text renders it."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        text = format(value, ".15g")
        mantissa, marker, exponent = text.partition("e")
        if "." not in mantissa and mantissa.lstrip("-").isdigit():
            mantissa += ".0"
        return mantissa + (f"e{exponent}" if marker else "")
    return str(value)


def _sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, str(value))
