"""hostql.testing: the helpers plugin and table authors test with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from hostql.errors import SqlError
from hostql.schema import INTEGER, TEXT, Column, Row, table
from hostql.sql.context import QueryContext
from hostql.testing import engine_for, plugin_engine, run_table, table_warnings


@table("letters", "Letters.", columns=[Column("n", INTEGER, "n"), Column("c", TEXT, "c")])
def letters(ctx: QueryContext) -> Iterator[Row]:
    for n, c in enumerate("abc"):
        yield {"n": n, "c": c}


@table("sloppy", "Sloppy.", columns=[Column("n", INTEGER, "n")])
def sloppy(ctx: QueryContext) -> Iterator[Row]:
    yield {"n": "seven"}


@table("exploding", "Explodes.", columns=[Column("n", INTEGER, "n")])
def exploding(ctx: QueryContext) -> Iterator[Row]:
    raise OSError("gone")
    yield {}


def test_run_table_with_constraints_and_flags() -> None:
    assert run_table(letters, "n >= ?", 1, columns="c") == [{"c": "b"}, {"c": "c"}]
    with pytest.raises(SqlError, match="no such table"):
        run_table(letters, flags={"disable_tables": "letters"})


def test_engine_for_holds_only_its_specs() -> None:
    assert engine_for(letters).table_names() == ["letters"]


def test_table_warnings() -> None:
    assert table_warnings(letters) == []
    assert table_warnings(letters, "n = ?", 1) == []
    assert table_warnings(sloppy) == [
        "Plugin under test: table sloppy column n (INTEGER) got 'seven'; used NULL"
    ]
    with pytest.raises(SqlError, match=r"table exploding \(plugin under test\) failed: OSError"):
        table_warnings(exploding)


def test_plugin_engine_without_builtins(tmp_path: Path) -> None:
    plugin = SimpleNamespace(__name__="mine", hostql_tables=lambda: [letters, sloppy])
    engine = plugin_engine(plugin, root=tmp_path, builtins=False)
    assert engine.table_names() == ["letters", "sloppy"]
    assert engine.query("select count(*) as n from letters") == [{"n": 3}]
    assert engine.query("select n from sloppy") == [{"n": None}]
    assert engine.take_warnings() == [
        "Plugin mine: table sloppy column n (INTEGER) got 'seven'; used NULL"
    ]
    assert engine.tables.origins["letters"] == "entry_point:mine"
