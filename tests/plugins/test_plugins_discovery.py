"""Entry-point discovery and table plugins in the registry: lazy, isolated, named in messages."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostql.registry import (
    Plugin,
    TableRegistry,
    builtin_registry,
    default_registry,
    entry_point_plugins,
)
from hostql.schema import INTEGER, Column, table
from hostql.sql.plugin_rows import cell_fits

TABLE = """
from hostql.schema import TEXT, Column, table

@table("plug_{name}", "A plugin table.", platforms={platforms},
       columns=[Column("word", TEXT, "a word")])
def plug_{name}(ctx):
    yield {{"word": "hello"}}

def hostql_tables():
    return [plug_{name}]
"""


def table_source(name: str, platforms: tuple[str, ...] = ("linux",)) -> str:
    return TABLE.format(name=name, platforms=platforms)


def test_entry_points_load_once_sorted_with_their_distribution(
    make_plugin: Callable[..., Path],
) -> None:
    make_plugin("plug_b", table_source("b"))
    make_plugin("plug_a", table_source("a"))
    plugins = entry_point_plugins()
    assert [p.name for p in plugins] == ["plug_a", "plug_b"]
    first = plugins[0]
    assert (first.dist, first.version, first.error) == ("plug_a-dist", "0.1", "")
    assert first.label == "plug_a [plug_a-dist 0.1]"
    assert first.origin == "entry_point:plug_a"
    assert first.path.endswith("plug_a.py")
    assert first.uuid > 65535 and first.uuid == Plugin("plug_a", "", dist="plug_a-dist").uuid
    assert entry_point_plugins() is plugins


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("import hostql_no_such_module_xyz\n", "ModuleNotFoundError: No module named"),
        ("def broken(:\n", "SyntaxError: "),
        ("raise RuntimeError('top-level\\n  failure')\n", "RuntimeError: top-level failure"),
    ],
)
def test_a_plugin_that_cannot_load_is_kept_with_its_error(
    make_plugin: Callable[..., Path], source: str, error: str
) -> None:
    make_plugin("plug_broken", source)
    [plugin] = entry_point_plugins()
    assert plugin.target is None
    assert plugin.error.startswith(error)
    registry = default_registry()
    assert "uptime" in registry.names()
    [problem] = registry.take_problems()
    assert problem.startswith("Plugin plug_broken [plug_broken-dist 0.1] failed to load: " + error)


def test_an_entry_point_naming_an_attribute(make_plugin: Callable[..., Path]) -> None:
    source = table_source("attr").replace("def hostql_tables", "def tables")
    source += "\nclass plugin:\n    hostql_tables = staticmethod(tables)\n"
    make_plugin("plug_attr", source, value="plug_attr:plugin")
    assert "plug_attr" in default_registry().names()


def test_plugin_tables_load_only_when_listed(make_plugin: Callable[..., Path]) -> None:
    make_plugin("plug_lazy", table_source("lazy"))
    registry = default_registry()
    assert "plug_lazy" not in registry.known_names()
    assert "plug_lazy" not in sys.modules
    assert "plug_lazy" in registry.names()
    assert registry.origins["plug_lazy"] == "entry_point:plug_lazy"
    assert registry.spec("plug_lazy").generator is not None
    assert "plug_lazy" not in builtin_registry().names()
    assert "plug_lazy" not in default_registry(plugins=False).names()


def test_plugin_tables_of_another_platform_are_left_out(make_plugin: Callable[..., Path]) -> None:
    make_plugin("plug_mac", table_source("mac", ("macos",)))
    registry = default_registry()
    assert "plug_mac" not in registry.names()
    assert registry.take_problems() == []


def test_a_plugin_cannot_replace_a_builtin_table(make_plugin: Callable[..., Path]) -> None:
    make_plugin("plug_clash", table_source("x").replace('"plug_x"', '"uptime"'))
    registry = default_registry()
    registry.load_plugins()
    assert registry.origins["uptime"] == "core"
    assert registry.take_problems() == [
        "Plugin plug_clash [plug_clash-dist 0.1]: table uptime is already provided by core; "
        "the plugin's table is ignored"
    ]


def test_bad_tables_hook_results_are_reported() -> None:
    class Failing:
        @staticmethod
        def hostql_tables() -> list[object]:
            raise ValueError("no tables today")

    class NotSpecs:
        @staticmethod
        def hostql_tables() -> list[object]:
            return ["uptime"]

    class Typo:
        hostql_table = None

    registry = TableRegistry()
    registry.defer_plugins(
        lambda: [Plugin("failing", "", Failing), Plugin("odd", "", NotSpecs), Plugin("t", "", Typo)]
    )
    assert registry.names() == []
    assert registry.take_problems() == [
        "Plugin failing: hostql_tables() failed: ValueError: no tables today",
        "Plugin odd: hostql_tables() gave 'uptime', not an @table spec",
        "Plugin t: hostql_table is not a hostql hook (ignored)",
    ]


def test_hook_results_are_cached_and_listed_by_registry() -> None:
    calls = []

    class Counting:
        @staticmethod
        def hostql_loggers() -> dict[str, object]:
            calls.append(1)
            return {"one": object}

        hostql_tabels = None  # a typo

    plugin = Plugin("counting", "", Counting)
    assert plugin.call("hostql_loggers")[0] == {"one": object}
    assert plugin.call("hostql_loggers")[0] == {"one": object}
    assert plugin.call("hostql_config_plugins") == (None, "")
    assert calls == [1]
    assert plugin.provided() == [("logger", "one")]
    assert plugin.unknown_hooks() == ["hostql_tabels"]


@pytest.mark.parametrize(
    ("value", "kind", "fits"),
    [
        (1, "INTEGER", True),
        (1.5, "DOUBLE", True),
        ("12", "BIGINT", True),
        ("0x1f", "INTEGER", True),
        ("", "INTEGER", True),
        ("twelve", "INTEGER", False),
        (b"1.5", "DOUBLE", True),
        ("text", "TEXT", True),
        (b"\x00", "BLOB", True),
        ([1], "TEXT", False),
        ({"a": 1}, "INTEGER", False),
        (object(), "BLOB", False),
    ],
)
def test_cell_fits(value: object, kind: str, fits: bool) -> None:
    assert cell_fits(value, kind) is fits


def test_guard_passes_good_rows_untouched() -> None:
    from hostql.testing import table_warnings

    @table("plug_good", "Good.", columns=[Column("n", INTEGER, "n")])
    def plug_good(ctx: object) -> list[dict[str, object]]:
        return [{"n": 1}, {"n": "2"}, {"n": None}, {"extra": [1]}]

    assert table_warnings(plug_good) == []


def test_guard_asks_no_more_rows_than_a_limit_needs() -> None:
    from hostql.sql.plugin_rows import guard_plugin_table
    from hostql.testing import engine_for

    pulled: list[int] = []

    @table("plug_counted", "Counted.", columns=[Column("n", INTEGER, "n")])
    def plug_counted(ctx: object) -> Iterator[dict[str, object]]:
        for n in range(5000):
            pulled.append(n)
            yield {"n": n} if n % 1000 else {}  # a left-out column is NULL, not an error

    engine = engine_for(guard_plugin_table(plug_counted, "x"))
    assert engine.query("select n from plug_counted limit 1") == [{"n": None}]
    assert len(pulled) <= 3
    assert len(engine.query("select n from plug_counted")) == 5000
    assert engine.take_warnings() == []
