"""PluginManager: what the loaded entry-point plugins add beyond tables, each failure isolated.

Tables and SQL functions reach every engine through the registry (hostql.registry), which
loads the entry points lazily. The daemon asks this manager for the rest: loggers, config
plugins, distributed plugins and event publishers. Built-in plugins keep their names: a
plugin item reusing one (or one another plugin took first) is ignored, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.flags import FlagValues
    from hostql.plugins.hookspecs import ConfigPlugin, DistributedPlugin, LoggerFactory
    from hostql.registry import Plugin

Report = Callable[[str], None]


class PluginManager:
    """The entry-point plugins of one process; problems go to report as one line each."""

    def __init__(self, plugins: Iterable[Plugin], report: Report) -> None:
        self.plugins = list(plugins)
        self.report = report
        self._found: dict[str, dict[str, tuple[Plugin, Any]]] = {}

    def loggers(self, builtin: Iterable[str] = ()) -> dict[str, LoggerFactory]:
        """--logger_plugin name -> factory; a factory that raises reports and returns None."""
        found = self._collect("hostql_loggers", "logger", builtin)
        return {name: self._guard_factory("logger", name, *found[name]) for name in found}

    def config_plugins(self, builtin: Iterable[str] = ()) -> dict[str, tuple[str, ConfigPlugin]]:
        """--config_plugin name -> (plugin label, reader of the config sources)."""
        return {
            name: (plugin.label, reader)
            for name, (plugin, reader) in self._collect(
                "hostql_config_plugins", "config", builtin
            ).items()
        }

    def distributed_plugins(
        self, builtin: Iterable[str] = ()
    ) -> dict[str, Callable[[FlagValues], DistributedPlugin | None]]:
        """--distributed_plugin name -> factory; a factory that raises reports and returns None."""
        found = self._collect("hostql_distributed_plugins", "distributed", builtin)
        return {name: self._guard_factory("distributed", name, *found[name]) for name in found}

    def publishers(self, builtin: Iterable[str] = ()) -> dict[str, type[Any]]:
        """Publisher name -> hostql.events.base.Publisher subclass."""
        found = self._collect("hostql_event_publishers", "event_publisher", builtin)
        return {name: publisher for name, (_plugin, publisher) in found.items()}

    def registry_items(self, active: Mapping[str, Iterable[str]]) -> dict[str, dict[str, bool]]:
        """osquery registry -> item -> active, for every non-table item plugins provided."""
        items: dict[str, dict[str, bool]] = {}
        for plugin in self.plugins:
            for registry, name in plugin.provided():
                if registry not in ("table", "sql_function"):
                    items.setdefault(registry, {})[name] = name in active.get(registry, ())
        return items

    def _collect(
        self, hook: str, kind: str, builtin: Iterable[str]
    ) -> dict[str, tuple[Plugin, Any]]:
        """name -> (plugin, item) of one hook across plugins; clashes are reported once."""
        if hook in self._found:
            return self._found[hook]
        taken = set(builtin)
        found: dict[str, tuple[Plugin, Any]] = {}
        for plugin in self.plugins:
            result, error = plugin.call(hook)
            if error:
                self.report(error)
            for name, item in _named_items(result):
                if name in taken or name in found:
                    owner = found[name][0].label if name in found else "core"
                    self.report(
                        f"Plugin {plugin.label}: {kind} plugin {name} is already provided by "
                        f"{owner}; the plugin's one is ignored"
                    )
                    continue
                found[name] = (plugin, item)
        self._found[hook] = found
        return found

    def _guard_factory(self, kind: str, name: str, plugin: Plugin, factory: Any) -> Any:
        report = self.report

        def build(values: FlagValues) -> Any:
            try:
                return factory(values)
            except Exception as exc:  # one broken plugin must not stop the daemon
                message = " ".join(str(exc).split())
                report(
                    f"Plugin {plugin.label}: cannot activate {kind} plugin {name}: "
                    f"{type(exc).__name__}: {message}"
                )
                return None

        return build


def _named_items(result: Any) -> list[tuple[str, Any]]:
    """A hook result as (name, item) pairs: mapping keys, or each item's .name."""
    if result is None:
        return []
    if isinstance(result, dict):
        return [(str(name), item) for name, item in result.items()]
    return [(str(getattr(item, "name", "") or item), item) for item in result]
