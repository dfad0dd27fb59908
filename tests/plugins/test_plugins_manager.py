"""PluginManager: loggers, config, distributed plugins and publishers from plugins, isolated."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hostql.flags import default_values
from hostql.plugins import HOOKS, PluginManager
from hostql.registry import HOOK_REGISTRIES, Plugin


def manager(*targets: Any) -> tuple[PluginManager, list[str]]:
    reports: list[str] = []
    plugins = [Plugin(f"p{i}", "", target) for i, target in enumerate(targets)]
    return PluginManager(plugins, reports.append), reports


def test_every_hook_has_a_specification_and_a_registry() -> None:
    assert set(HOOKS) == set(HOOK_REGISTRIES)


def test_loggers_first_plugin_wins_and_builtins_keep_their_names() -> None:
    first = SimpleNamespace(hostql_loggers=lambda: {"mine": lambda v: "first", "stdout": None})
    second = SimpleNamespace(hostql_loggers=lambda: {"mine": lambda v: "second"})
    plugins, reports = manager(first, second)
    loggers = plugins.loggers(builtin=["stdout"])
    assert list(loggers) == ["mine"]
    assert loggers["mine"](default_values()) == "first"
    assert reports == [
        "Plugin p0: logger plugin stdout is already provided by core; the plugin's one is ignored",
        "Plugin p1: logger plugin mine is already provided by p0; the plugin's one is ignored",
    ]


def test_a_factory_that_raises_reports_and_builds_nothing() -> None:
    def factory(values: object) -> object:
        raise OSError("no socket")

    plugins, reports = manager(SimpleNamespace(hostql_distributed_plugins=lambda: {"d": factory}))
    assert plugins.distributed_plugins()["d"](default_values()) is None
    assert reports == ["Plugin p0: cannot activate distributed plugin d: OSError: no socket"]


def test_a_hook_that_raises_is_reported_and_skipped() -> None:
    def hook() -> dict[str, object]:
        raise RuntimeError("oops")

    plugins, reports = manager(SimpleNamespace(hostql_config_plugins=hook))
    assert plugins.config_plugins() == {}
    assert reports == ["Plugin p0: hostql_config_plugins() failed: RuntimeError: oops"]


def test_config_plugins_carry_their_plugin_label() -> None:
    def reader(values: object) -> dict[str, str]:
        return {"a": "{}"}

    plugins, _ = manager(SimpleNamespace(hostql_config_plugins=lambda: {"c": reader}))
    assert plugins.config_plugins() == {"c": ("p0", reader)}


def test_publishers_by_name_and_registry_items() -> None:
    class Ticks:
        name = "ticks"

    target = SimpleNamespace(
        hostql_event_publishers=lambda: [Ticks], hostql_loggers=lambda: {"a": 1, "b": 2}
    )
    plugins, reports = manager(target)
    assert plugins.publishers() == {"ticks": Ticks}
    plugins.loggers()
    assert plugins.registry_items({"logger": ["b"]}) == {
        "event_publisher": {"ticks": False},
        "logger": {"a": False, "b": True},
    }
    assert reports == []


def test_clashes_are_reported_once() -> None:
    plugins, reports = manager(SimpleNamespace(hostql_loggers=lambda: {"stdout": None}))
    plugins.loggers(builtin=["stdout"])
    plugins.loggers(builtin=["stdout"])
    assert len(reports) == 1


def test_the_plugin_docs_describe_every_hook() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text()
    for hook, registry in HOOK_REGISTRIES.items():
        assert f"`{hook}()`" in text, hook
        assert registry == "sql_function" or f"`{registry}`" in text, registry
