"""The daemon's plugins: entry-point loading, logger building, osquery_registry's plugin rows."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from hostql.daemon.loggers.base import Logger
    from hostql.daemon.runtime import Daemon
    from hostql.flags import FlagValues
    from hostql.plugins import PluginManager


def load_plugins(daemon: Daemon) -> PluginManager:
    """The entry-point plugins (none with --disable_extensions); failures are warnings."""
    from hostql.plugins import PluginManager

    daemon.engine.load_plugins()
    for warning in daemon.engine.take_warnings():
        daemon.status.warning(warning)
    return PluginManager(daemon.engine.tables.plugins, daemon.status.warning)


def plugin_loggers(daemon: Daemon) -> dict[str, Callable[[FlagValues], Logger | None]]:
    """Logger factories from plugins; one that builds no Logger is an ERROR, then skipped."""
    from hostql.daemon.loggers import DAEMON_LOGGERS, builtin_loggers
    from hostql.daemon.loggers.base import Logger

    def checked(name: str, factory: Callable[[FlagValues], Any]) -> Any:
        def build(values: FlagValues) -> Logger | None:
            logger = factory(values)
            if logger is not None and not isinstance(logger, Logger):
                daemon.status.error(
                    f"Cannot activate {name} logger plugin: it built a "
                    f"{type(logger).__name__}, not a hostql.daemon.loggers.base.Logger"
                )
                return None
            if logger is not None and not logger.name:
                logger.name = name
            return logger

        return build

    builtin = [*builtin_loggers(), *DAEMON_LOGGERS]
    return {n: checked(n, f) for n, f in daemon.plugins.loggers(builtin).items()}


def record_plugins(daemon: Daemon, loggers: list[Logger]) -> None:
    """Fill runtime.plugins (osquery_registry's rows): built-ins, loggers, the plugins' items."""
    values = daemon.values
    daemon.runtime.plugins = {
        "config": {
            "filesystem": values["config_plugin"] == "filesystem",
            "tls": values["config_plugin"] == "tls",
        },
        "logger": {logger.name: True for logger in loggers},
        "database": {"sqlite": True},
    }
    daemon.plugins.config_plugins(("filesystem", "tls"))
    daemon.plugins.distributed_plugins(("tls",))
    daemon.plugins.publishers()
    active = {
        "logger": [logger.name for logger in loggers],
        "config": [values["config_plugin"]],
        "distributed": [] if values["disable_distributed"] else [values["distributed_plugin"]],
    }
    for registry, items in daemon.plugins.registry_items(active).items():
        if registry == "event_publisher":
            items = dict.fromkeys(items, not values["disable_events"])
        daemon.runtime.plugins.setdefault(registry, {}).update(items)


def expects_extensions(values: FlagValues) -> bool:
    """Whether plugin names nobody else provides may come from Thrift extensions."""
    # Only when extensions are configured (--extensions_require, or an autoload file):
    # otherwise a misspelt --logger_plugin must still stop the daemon (exit 78).
    if values["disable_extensions"]:
        return False
    return bool(values["extensions_require"]) or os.path.exists(values["extensions_autoload"])


def build_daemon_loggers(daemon: Daemon, names: str) -> list[Logger]:
    """Local loggers from the flags; remote ones (tls, kafka) from their daemon hook."""
    import importlib

    from hostql.daemon.loggers import (
        DAEMON_LOGGERS,
        UnknownLoggerError,
        build_loggers,
        builtin_loggers,
    )

    wanted = [name.strip() for name in names.split(",") if name.strip()]
    local = ",".join(name for name in wanted if name not in DAEMON_LOGGERS)
    extra = plugin_loggers(daemon)
    if expects_extensions(daemon.values):
        # Names no built-in or plugin logger has may be a Thrift extension's logger.
        from hostql.extensions.loggers import extension_loggers

        extra.update(extension_loggers(local, daemon.values, {**builtin_loggers(), **extra}))
    loggers = build_loggers(local, daemon.values, extra=extra)
    for name in dict.fromkeys(n for n in wanted if n in DAEMON_LOGGERS):
        try:
            module = importlib.import_module(DAEMON_LOGGERS[name])
        except ModuleNotFoundError:
            raise UnknownLoggerError(
                f"Cannot activate {name} logger plugin: not available in this build"
            ) from None
        loggers.append(module.from_daemon(daemon))
    return loggers
