"""osquery_extensions and osquery_registry with entry-point plugins and Thrift extensions."""

from __future__ import annotations

from types import SimpleNamespace

from hostql.registry import Plugin
from hostql.schema import TEXT, Column, table
from hostql.sql.engine import Engine
from hostql.testing import plugin_engine


@table("plugged", "A plugin table.", columns=[Column("word", TEXT, "word")])
def plugged(ctx: object) -> list[dict[str, str]]:
    return [{"word": "hi"}]


def engine_with_plugin() -> tuple[Engine, Plugin]:
    plugin = Plugin(
        "demo",
        "demo_module",
        SimpleNamespace(hostql_tables=lambda: [plugged], __file__="/site/demo_module.py"),
        dist="demo-dist",
        version="1.2",
    )
    return plugin_engine(plugin), plugin


def test_entry_point_plugins_are_module_extensions() -> None:
    engine, plugin = engine_with_plugin()
    rows = engine.query("select uuid, name, version, path, type from osquery_extensions")
    assert rows == [
        {"uuid": 0, "name": "core", "version": rows[0]["version"], "path": rows[0]["path"],
         "type": "core"},
        {"uuid": plugin.uuid, "name": "demo", "version": "1.2", "path": "/site/demo_module.py",
         "type": "module"},
    ]  # fmt: skip


def test_registry_origin_and_owner_of_each_table() -> None:
    engine, plugin = engine_with_plugin()
    engine.runtime.extensions.append({"uuid": 7, "name": "thrifty", "type": "extension"})
    engine.tables.origins["uptime"] = "extension:thrifty"  # as if an extension owned it
    rows = engine.query(
        "select name, owner_uuid, origin from osquery_registry "
        "where registry = 'table' and name in ('plugged', 'uptime', 'users')"
    )
    assert rows == [
        {"name": "plugged", "owner_uuid": plugin.uuid, "origin": "entry_point"},
        {"name": "uptime", "owner_uuid": 7, "origin": "extension"},
        {"name": "users", "owner_uuid": 0, "origin": "core"},
    ]


def test_origin_is_hidden_from_select_star() -> None:
    engine, _ = engine_with_plugin()
    assert "origin" not in engine.execute("select * from osquery_registry limit 1").columns
