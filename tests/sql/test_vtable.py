"""The virtual-table adapter: pushdown, IN delivery, required columns, types, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hostql.errors import ConstraintError, SqlError
from hostql.schema import BIGINT, DOUBLE, INTEGER, TEXT, Column, Row, table
from hostql.sql.context import IN, QueryContext
from hostql.testing import engine_for, run_table

seen: list[QueryContext] = []


@table(
    "things",
    "Test table.",
    columns=[
        Column("id", BIGINT, "id", index=True),
        Column("name", TEXT, "name", aliases=("label",)),
        Column("score", DOUBLE, "score"),
        Column("flag", INTEGER, "flag"),
        Column("secret", TEXT, "hidden one", hidden=True),
        Column("other_os", TEXT, "foreign", platforms=("windows",)),
    ],
)
def things(ctx: QueryContext) -> Iterator[Row]:
    """Rows with values of mixed Python types, to exercise conversion."""
    seen.append(ctx)
    wanted = ctx.equals("id")
    rows = [
        {"id": 1, "name": "one", "score": 1, "flag": "0x10", "secret": "s1", "other_os": "x"},
        {"id": "2", "name": b"two", "score": "2.5", "flag": "", "secret": "s2"},
        {"id": 3, "name": 3, "score": "bad", "flag": True},
    ]
    for row in rows:
        if wanted is None or int(row["id"]) in wanted:
            yield row


@table(
    "needs",
    "Two required columns, either satisfies (like file's path and directory).",
    columns=[Column("path", TEXT, "p", required=True), Column("dir", TEXT, "d", required=True)],
)
def needs(ctx: QueryContext) -> Iterator[Row]:
    """Echo the required constraints back."""
    for path in ctx.equals("path") or ():
        yield {"path": path}
    for directory in ctx.equals("dir") or ():
        yield {"dir": directory}


@table("broken", "Raises mid-scan.", columns=[Column("n", INTEGER, "n")])
def broken(ctx: QueryContext) -> Iterator[Row]:
    """One row, then an unexpected failure."""
    yield {"n": 1}
    raise KeyError("surprise")


@pytest.fixture(autouse=True)
def _clear() -> None:
    seen.clear()


def test_values_are_converted_to_column_types() -> None:
    rows = run_table(things, columns="id, name, score, flag")
    assert rows == [
        {"id": 1, "name": "one", "score": 1.0, "flag": 16},
        {"id": 2, "name": "two", "score": 2.5, "flag": None},
        {"id": 3, "name": "3", "score": None, "flag": 1},
    ]


def test_hidden_and_foreign_columns() -> None:
    assert list(run_table(things)[0]) == ["id", "name", "score", "flag"]
    assert run_table(things, "id = 1", columns="secret, other_os, label") == [
        {"secret": "s1", "other_os": None, "label": "one"}
    ]


def test_equality_is_pushed_down() -> None:
    assert run_table(things, "id = ?", 2, columns="id") == [{"id": 2}]
    assert seen[-1].equals("id") == {2}


def test_in_list_arrives_all_at_once() -> None:
    assert run_table(things, "id in (1, 3)", columns="id") == [{"id": 1}, {"id": 3}]
    assert len(seen) == 1
    assert [c.op for c in seen[0].constraints] == [IN]
    assert seen[0].equals("id") == {1, 3}


def test_other_operators_reach_the_context_and_sqlite_rechecks() -> None:
    rows = run_table(things, "name like 'o%' and score >= 1 and flag <> 5", columns="id")
    assert rows == [{"id": 1}]
    ops = {(c.column, c.op) for c in seen[-1].constraints}
    assert {("name", "LIKE"), ("score", ">="), ("flag", "<>")} <= ops
    assert seen[-1].patterns("name") == ["o%"]


def test_used_columns_are_reported() -> None:
    run_table(things, columns="name")
    assert seen[-1].uses("name")
    assert not seen[-1].uses("score")


def test_required_column_missing_fails_with_osquery_message() -> None:
    with pytest.raises(
        ConstraintError,
        match=r"^Table needs was queried without a required "
        r"column in the WHERE clause$",
    ):
        run_table(needs)
    assert run_table(needs, "path = '/x'") == [{"path": "/x", "dir": None}]
    assert run_table(needs, "dir = '/d'") == [{"path": None, "dir": "/d"}]


def test_required_column_through_a_join() -> None:
    engine = engine_for(needs, things)
    rows = engine.query("select n.path from things t join needs n on n.path = t.name")
    assert rows == [{"path": "one"}, {"path": "two"}, {"path": "3"}]


def test_generator_failure_is_one_clear_error() -> None:
    with pytest.raises(SqlError, match=r"^table broken failed: KeyError: 'surprise'$"):
        run_table(broken)
