"""The Python API: query(), connect(), tables(), and plugging a table in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import hostql
from hostql import Column, QueryContext, table
from hostql.errors import SqlError
from hostql.schema import INTEGER


def test_query_returns_typed_dicts() -> None:
    rows = hostql.query("select days, total_seconds from uptime")
    assert len(rows) == 1
    assert isinstance(rows[0]["total_seconds"], int)
    assert hostql.query("select ? + 1 as n", 41) == [{"n": 42}]


def test_connect_runs_many_queries_with_flags() -> None:
    with hostql.connect(disable_tables="uptime") as conn:
        assert "uptime" not in conn.tables()
        assert conn.execute("select 1, 'a'") == [(1, "a")]
        assert conn.columns("select 1 as one") == ["one"]
        with pytest.raises(SqlError, match="no such table: uptime"):
            conn.query("select * from uptime")


def test_tables_lists_specs() -> None:
    names = {spec.name for spec in hostql.tables()}
    assert {"uptime", "osquery_info", "osquery_flags"} <= names


def test_a_table_plugged_in_through_the_api() -> None:
    @table("squares", "Squares.", columns=[Column("n", INTEGER, "n"), Column("sq", INTEGER, "n²")])
    def squares(ctx: QueryContext) -> Iterator[dict[str, int]]:
        """The first ten squares."""
        for n in range(10):
            yield {"n": n, "sq": n * n}

    with hostql.connect() as conn:
        conn.add_table(squares)
        assert conn.query("select sq from squares where n = 7") == [{"sq": 49}]
