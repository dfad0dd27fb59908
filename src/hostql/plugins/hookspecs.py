"""The hooks a plugin may define: what each returns and which osquery registry lists it.

A plugin is the object one entry point of the ``hostql`` group names, usually a module.
Each hook is an optional zero-argument callable attribute of it; hostql calls a hook once
per process, when it first needs that kind of plugin, and never lets it raise: a failure
becomes one warning naming the plugin. The functions below are the specifications (their
bodies are never run); ``HOOKS`` maps each hook name to its specification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from hostql.registry import ENTRY_POINT_GROUP, HOOK_REGISTRIES

if TYPE_CHECKING:
    from hostql.daemon.loggers.base import Logger
    from hostql.events.base import Publisher
    from hostql.flags import FlagValues
    from hostql.schema import TableSpec

__all__ = [
    "ENTRY_POINT_GROUP",
    "HOOKS",
    "HOOK_REGISTRIES",
    "ConfigPlugin",
    "DistributedPlugin",
    "LoggerFactory",
]

# Same signature as the built-in loggers' `from_flags`: returns a Logger subclass instance.
LoggerFactory = Callable[["FlagValues"], "Logger"]
# osquery's genConfig: source name -> config JSON text, merged in source-name order.
ConfigPlugin = Callable[["FlagValues"], Mapping[str, str]]


class DistributedPlugin(Protocol):
    """osquery's distributed plugin: where distributed queries come from and results go."""

    def get_queries(self) -> Mapping[str, str]:
        """Query name -> SQL to run now (osquery's getQueries "queries" object)."""

    def write_results(
        self, results: Mapping[str, Sequence[Mapping[str, str]]], statuses: Mapping[str, int]
    ) -> None:
        """Rows (all values as text) and status code (0 = ok) of each query name."""


def hostql_tables() -> Iterable[TableSpec]:
    """Tables: @table specs, exactly like a built-in table module's."""
    raise NotImplementedError


def hostql_sql_functions() -> Mapping[str, Callable[..., Any]]:
    """Scalar SQL functions by name; any number of arguments, not deterministic."""
    raise NotImplementedError


def hostql_loggers() -> Mapping[str, LoggerFactory]:
    """Logger plugins by --logger_plugin name."""
    raise NotImplementedError


def hostql_config_plugins() -> Mapping[str, ConfigPlugin]:
    """Config plugins by --config_plugin name."""
    raise NotImplementedError


def hostql_distributed_plugins() -> Mapping[str, Callable[[FlagValues], DistributedPlugin]]:
    """Distributed plugins by --distributed_plugin name."""
    raise NotImplementedError


def hostql_event_publishers() -> Iterable[type[Publisher]]:
    """Event publisher classes (hostql.events.base.Publisher subclasses, named by .name)."""
    raise NotImplementedError


HOOKS: dict[str, Callable[[], Any]] = {
    spec.__name__: spec
    for spec in (
        hostql_tables,
        hostql_sql_functions,
        hostql_loggers,
        hostql_config_plugins,
        hostql_distributed_plugins,
        hostql_event_publishers,
    )
}
