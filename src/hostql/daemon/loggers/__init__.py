"""Logger plugins: filesystem, stdout, syslog (remote sinks arrive with the remote issue)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from hostql.errors import PluginError

if TYPE_CHECKING:
    from hostql.daemon.loggers.base import Logger
    from hostql.flags import FlagValues

# A factory may return None when it cannot start (a plugin's; the failure is already logged).
LoggerFactory = Callable[["FlagValues"], "Logger | None"]


class UnknownLoggerError(PluginError):
    """--logger_plugin names a logger nobody provides (osquery exits 78, EXIT_CATASTROPHIC)."""

    exit_code = 78


# Loggers that need the running daemon (its store for spools and node keys, its status log),
# built by the daemon through `<module>.from_daemon(daemon)`; imported only when named.
DAEMON_LOGGERS: dict[str, str] = {
    "tls": "hostql.remote.tls_logger",
    "kafka_producer": "hostql.remote.kafka_logger",
}


def builtin_loggers() -> dict[str, LoggerFactory]:
    """The loggers hostql ships, by --logger_plugin name."""
    from hostql.daemon.loggers.filesystem import FilesystemLogger
    from hostql.daemon.loggers.stdout import StdoutLogger
    from hostql.daemon.loggers.syslog import SyslogLogger

    return {
        "filesystem": FilesystemLogger.from_flags,
        "stdout": StdoutLogger.from_flags,
        "syslog": SyslogLogger.from_flags,
    }


def build_loggers(
    names: str, values: FlagValues, extra: Mapping[str, LoggerFactory] | None = None
) -> list[Logger]:
    """The loggers of a comma-separated --logger_plugin value, in order, each named once."""
    factories = {**builtin_loggers(), **(extra or {})}
    wanted = list(dict.fromkeys(name.strip() for name in names.split(",") if name.strip()))
    for name in wanted:
        if name not in factories:
            known = ", ".join(sorted(factories))
            raise UnknownLoggerError(
                f"Cannot activate {name} logger plugin: unknown logger (known: {known})"
            )
    built = [factories[name](values) for name in wanted]
    return [logger for logger in built if logger is not None]
