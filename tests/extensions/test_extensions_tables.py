"""Extension table specs from routes, and the context JSON a generate call carries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hostql.errors import SqlError
from hostql.extensions.extension import ExtensionGone
from hostql.extensions.tables import (
    InvalidRoute,
    context_json,
    expression_text,
    table_spec,
)
from hostql.schema import BIGINT, DOUBLE, INTEGER, TEXT
from hostql.sql.context import EQ, GT, IN, LIKE, Constraint, QueryContext


class Recorder:
    """A stand-in extension that records requests and answers with fixed rows."""

    name = "recorder"

    def __init__(self, response: dict[str, Any] | Exception) -> None:
        self.response = response
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    def call(self, registry: str, item: str, request: dict[str, str]) -> dict[str, Any]:
        self.requests.append((registry, item, request))
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def route(*columns: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"id": "column", "name": n, "type": t, "op": op} for n, t, op in columns]


def test_columns_types_and_options_come_from_the_route() -> None:
    spec = table_spec(
        Recorder({}),
        "things",
        [
            *route(("a", "TEXT", "2"), ("b", "BIGINT", "16"), ("c", "DOUBLE", "0")),
            {"id": "column", "name": "d", "type": "weird"},
            {"id": "columnAlias", "name": "a2", "target": "a"},
            {"id": "attributes", "attributes": "0"},
        ],
        default_index=False,
    )
    assert [(c.name, c.type) for c in spec.columns] == [
        ("a", TEXT),
        ("b", BIGINT),
        ("c", DOUBLE),
        ("d", TEXT),
    ]
    assert spec.columns[0].required and spec.columns[1].hidden
    assert not any(c.index for c in spec.columns)
    assert spec.alias_targets() == {"a2": "a"}


def test_every_column_is_an_index_by_default_as_extensions_default_index() -> None:
    spec = table_spec(Recorder({}), "t", route(("x", "INTEGER", "0")), default_index=True)
    assert spec.columns[0].index
    assert (
        spec.create_table_sql() == "CREATE TABLE t(`x` INTEGER, PRIMARY KEY (`x`)) WITHOUT ROWID;"
    )


@pytest.mark.parametrize(
    ("name", "items"),
    [
        ("bad name", route(("x", "TEXT", "0"))),
        ("t", []),
        ("t", route(("x`); drop", "TEXT", "0"))),
        ("t", route(("x", "TEXT", "0"), ("x", "TEXT", "0"))),
        ("t", [*route(("x", "TEXT", "0")), {"id": "columnAlias", "name": "y", "target": "z"}]),
    ],
)
def test_unusable_routes_are_refused(name: str, items: list[dict[str, str]]) -> None:
    with pytest.raises(InvalidRoute):
        table_spec(Recorder({}), name, items, default_index=True)


def test_generate_sends_osquery_context_json_and_yields_rows() -> None:
    rows = [{"x": "1", "y": "a"}]
    extension = Recorder({"status": {"code": 0, "message": "OK"}, "response": rows})
    spec = table_spec(
        extension, "t", route(("x", "INTEGER", "0"), ("y", "TEXT", "0")), default_index=True
    )
    ctx = QueryContext("t", (Constraint("x", GT, 5), Constraint("y", LIKE, "a%")), frozenset({"y"}))
    assert spec.generator is not None
    assert list(spec.generator(ctx)) == rows
    registry, item, request = extension.requests[0]
    assert (registry, item, request["action"]) == ("table", "t", "generate")
    assert json.loads(request["context"]) == {
        "constraints": [
            {"name": "x", "list": [{"op": 4, "expr": "5"}], "affinity": "INTEGER"},
            {"name": "y", "list": [{"op": 65, "expr": "a%"}], "affinity": "TEXT"},
        ],
        "colsUsed": ["y"],
        "colsUsedBitset": 2,
    }


def test_in_lists_become_one_equality_per_value() -> None:
    columns = table_spec(
        Recorder({}), "t", route(("x", "INTEGER", "0")), default_index=True
    ).columns
    ctx = QueryContext("t", (Constraint("x", IN, frozenset({3, 1, None})), Constraint("x", EQ, 2)))
    document = json.loads(context_json(columns, ctx))
    assert document["constraints"][0]["list"] == [
        {"op": 2, "expr": "1"},
        {"op": 2, "expr": "3"},
        {"op": 2, "expr": "2"},
    ]
    assert "colsUsed" not in document


def test_failures_become_clear_sql_errors() -> None:
    gone = Recorder(ExtensionGone("extension recorder is no longer running"))
    spec = table_spec(gone, "t", route(("x", "TEXT", "0")), default_index=True)
    assert spec.generator is not None
    with pytest.raises(SqlError, match=r"^extension recorder is no longer running$"):
        spec.generator(QueryContext("t"))
    failed = Recorder({"status": {"code": 1, "message": "boom"}, "response": []})
    spec = table_spec(failed, "t", route(("x", "TEXT", "0")), default_index=True)
    assert spec.generator is not None
    with pytest.raises(SqlError, match=r"^table t failed: boom$"):
        spec.generator(QueryContext("t"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1"),
        (-7, "-7"),
        (1.5, "1.5"),
        (2.0, "2.0"),
        (1e20, "1.0e+20"),
        (b"ab", "ab"),
        ("s", "s"),
    ],
)
def test_values_render_as_sqlite_text(value: object, text: str) -> None:
    assert expression_text(value) == text


def test_integer_type_is_declared() -> None:
    spec = table_spec(Recorder({}), "t", route(("n", "integer", "0")), default_index=False)
    assert spec.columns[0].type is INTEGER
