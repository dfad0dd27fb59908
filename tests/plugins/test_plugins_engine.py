"""Plugins in the SQL engine: loaded on the first unknown name, functions, isolation, the flag."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from hostql.errors import SqlError
from hostql.flags import default_values
from hostql.sql.engine import Engine
from hostql.testing import plugin_engine

PLUGIN = """
from hostql.schema import TEXT, Column, table

@table("plug_words", "Words.", columns=[Column("word", TEXT, "a word")])
def plug_words(ctx):
    yield {"word": "hello"}
    yield {"word": "world"}

def shout(text):
    return text.upper() + "!"

def fail(text):
    raise KeyError(text)

def hostql_tables():
    return [plug_words]

def hostql_sql_functions():
    return {"shout": shout, "fail": fail, "sqrt": shout, "not_callable": 3}
"""


@pytest.fixture
def engine(make_plugin: Callable[..., Path]) -> Engine:
    make_plugin("plug_engine", PLUGIN)
    return Engine()


def test_select_one_loads_no_plugin(engine: Engine) -> None:
    assert engine.query("select 1 as one") == [{"one": 1}]
    assert "plug_engine" not in sys.modules
    assert engine.take_warnings() == []


def test_first_unknown_table_loads_plugins(engine: Engine) -> None:
    assert engine.query("select shout(word) as w from plug_words") == [
        {"w": "HELLO!"},
        {"w": "WORLD!"},
    ]
    assert engine.take_warnings() == [
        "Plugin plug_engine [plug_engine-dist 0.1]: SQL function sqrt is already defined; ignored",
        "Plugin plug_engine [plug_engine-dist 0.1]: SQL function not_callable is not callable",
    ]
    assert engine.query("select sqrt(16) as r") == [{"r": 4.0}]
    with pytest.raises(SqlError, match="no such table: still_unknown"):
        engine.execute("select * from still_unknown")


def test_first_unknown_function_loads_plugins(engine: Engine) -> None:
    assert engine.query("select shout('a') as s") == [{"s": "A!"}]


def test_a_failing_function_names_its_plugin(engine: Engine) -> None:
    with pytest.raises(SqlError) as caught:
        engine.execute("select fail('x')")
    assert str(caught.value) == (
        "function fail (plugin plug_engine [plug_engine-dist 0.1]) failed: KeyError: 'x'"
    )


def test_listing_tables_includes_plugins(engine: Engine) -> None:
    assert "plug_words" in engine.table_names()
    assert "uptime" in engine.table_names()


def test_disable_extensions(make_plugin: Callable[..., Path]) -> None:
    make_plugin("plug_engine", PLUGIN)
    values = default_values()
    values.set("disable_extensions", True)
    engine = Engine(flags=values)
    assert "plug_words" not in engine.table_names()
    with pytest.raises(SqlError, match="no such function: shout"):
        engine.execute("select shout('a')")


def test_disable_tables_applies_to_plugin_tables(make_plugin: Callable[..., Path]) -> None:
    make_plugin("plug_engine", PLUGIN)
    values = default_values()
    values.set("disable_tables", "plug_words")
    engine = Engine(flags=values)
    with pytest.raises(SqlError, match="no such table: plug_words"):
        engine.execute("select * from plug_words")


def test_plugin_engine_joins_a_plugin_with_builtins(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "uptime").write_text("90061.5 100.0\n")
    plugin = SimpleNamespace(
        __name__="inline", hostql_sql_functions=lambda: {"twice": lambda n: n * 2}
    )
    engine = plugin_engine(plugin, root=tmp_path)
    assert engine.query("select twice(days) as d from uptime") == [{"d": 2}]
