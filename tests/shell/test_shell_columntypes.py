"""Column types of a query: declared types for table columns, planner types for expressions."""

from __future__ import annotations

import pytest

from hostql.errors import SqlError
from hostql.shell.columntypes import query_types
from hostql.shell.session import Session


def test_table_columns_use_their_declared_types(session: Session) -> None:
    assert query_types(session.engine, "select name, legs from pets") == [
        ("name", "TEXT"),
        ("legs", "INTEGER"),
    ]


def test_expressions_get_osquery_planner_types(session: Session) -> None:
    sql = "select 1 as i, 'x' as s, legs + 1 as sum, legs > 1 as cmp, 1.5 as r from pets"
    assert query_types(session.engine, sql) == [
        ("i", "INTEGER"),
        ("s", "TEXT"),
        ("sum", "BIGINT"),
        ("cmp", "INTEGER"),
        ("r", "UNKNOWN"),
    ]


def test_only_the_first_statement_is_described_and_nothing_runs(session: Session) -> None:
    assert query_types(session.engine, "select name from pets; select 1 as x") == [("name", "TEXT")]
    assert session.engine.take_warnings() == []
    assert query_types(session.engine, "  ") == []


def test_errors_are_sql_errors(session: Session) -> None:
    with pytest.raises(SqlError, match="no such table: zebra"):
        query_types(session.engine, "select * from zebra")
