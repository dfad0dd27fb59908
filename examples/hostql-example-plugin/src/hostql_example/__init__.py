"""hostql-example-plugin: the hooks hostql finds through this package's entry point.

pyproject.toml declares ``example = "hostql_example"`` in the ``hostql`` entry-point group,
so this module is the plugin. Each ``hostql_*`` function is a hook; hostql calls it once,
when it first needs that kind of plugin. Keep this module light: import the modules that
do the work inside the hooks, so that loading the plugin costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.schema import TableSpec


def hostql_tables() -> Iterable[TableSpec]:
    """The tables this plugin adds."""
    from hostql_example.tables import example_shells

    return [example_shells]


def hostql_sql_functions() -> Mapping[str, Callable[..., Any]]:
    """The SQL functions this plugin adds."""
    from hostql_example.functions import rot13

    return {"rot13": rot13}


def hostql_loggers() -> Mapping[str, Callable[..., Any]]:
    """The loggers this plugin adds, by --logger_plugin name."""
    from hostql_example.logger import JsonLinesLogger

    return {"example_jsonl": JsonLinesLogger.from_flags}


def hostql_config_plugins() -> Mapping[str, Callable[..., Mapping[str, str]]]:
    """The config plugins this plugin adds, by --config_plugin name."""
    from hostql_example.config import read_config

    return {"example": read_config}
