"""The extensions service: a manager with its autoloaded and required extensions.

hostqld starts it through daemon/services.py (``start(daemon)``), hostqli through
extensions/shell.py (``start_shell``).
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hostql.errors import PluginError
from hostql.extensions.autoload import Autoloader, autoload_paths
from hostql.extensions.bindings import EngineBinding, RefreshingEngine
from hostql.extensions.loggers import ExtensionLogger
from hostql.extensions.manager import ExtensionManager, StatusSink

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon
    from hostql.extensions.queries import Describe
    from hostql.flags import FlagValues
    from hostql.sql.engine import Engine

# The service of each daemon, so that reading an extension's config (before the daemon starts
# its services) and start_services share one manager.
_RUNNING: weakref.WeakKeyDictionary[Any, ExtensionsService] = weakref.WeakKeyDictionary()


def wait_seconds(values: FlagValues) -> float:
    """--extensions_timeout in seconds (osquery waits at least 200 ms)."""
    try:
        return max(0.2, float(str(values["extensions_timeout"]).strip() or 0))
    except ValueError:
        return 3.0


def required_names(values: FlagValues) -> list[str]:
    """The --extensions_require names."""
    return [name.strip() for name in str(values["extensions_require"]).split(",") if name.strip()]


class ExtensionsService:
    """A running manager with its autoloaded children; step() updates the owner's engine."""

    name = "extensions"

    def __init__(
        self,
        manager: ExtensionManager,
        autoloader: Autoloader,
        binding: EngineBinding,
        loggers: list[ExtensionLogger] | None = None,
    ) -> None:
        self.manager = manager
        self.autoloader = autoloader
        self.binding = binding
        self.loggers = loggers or []

    def refreshing(self, engine: Engine) -> RefreshingEngine:
        """engine, taking in extension tables before each use (for the shell's session)."""
        return RefreshingEngine(engine, lambda: self.manager.apply(self.binding))

    def step(self, now: float) -> None:
        """On the engine's own thread: add and drop extension tables; deliver waiting logs."""
        self.manager.apply(self.binding)
        for logger in self.loggers:
            logger.poke()

    def wait_for_autoloaded(self, timeout: float) -> bool:
        """Wait until every autoloaded extension still running registered (or timeout)."""
        return self.manager.wait_for(
            lambda: len(self.manager.registered) >= len(self.autoloader.running()), timeout
        )

    def missing_required(self, values: FlagValues) -> list[str]:
        """Wait for --extensions_require; the names still missing after the timeout."""
        names = required_names(values)
        self.manager.wait_for(
            lambda: all(self.manager.named(n) for n in names), wait_seconds(values)
        )
        return [name for name in names if self.manager.named(name) is None]

    def stop(self) -> None:
        """Ask extensions to shut down, stop serving, and end the autoloaded processes."""
        self.manager.stop()
        self.autoloader.stop()


def query_engine_factory(engine: Engine) -> Callable[[], Engine]:
    """Engines for socket clients' queries: same flags, host and runtime as engine."""

    def make() -> Engine:
        from hostql.sql.engine import Engine

        tables = engine.runtime.tables
        other = Engine(flags=engine.flags, host=engine.host, runtime=engine.runtime)
        # A new Engine claims the runtime's table registry; the owner's stays the one shown.
        engine.runtime.tables = tables
        return other

    return make


def _launch(
    values: FlagValues,
    engine: Engine,
    status: StatusSink,
    *,
    on_shutdown: Callable[[], None] = lambda: None,
    describe: Describe | None = None,
) -> ExtensionsService:
    """Start a manager on --extensions_socket bound to engine, then the autoloaded extensions."""
    socket_path = str(values["extensions_socket"])
    manager = ExtensionManager(
        socket_path,
        values,
        status,
        query_engine=query_engine_factory(engine),
        describe=describe,
        on_shutdown=on_shutdown,
        on_change=lambda: _publish_plugins(manager, engine, values),
    )
    manager.report_rows(lambda rows: setattr(engine.runtime, "extensions", rows))
    binding = manager.bind(engine)
    try:
        manager.start()
    except OSError as exc:
        raise PluginError(
            f"Cannot start extension manager ({socket_path}): {exc.strerror or exc}"
        ) from None
    paths = autoload_paths(
        str(values["extensions_autoload"]), bool(values["allow_unsafe"]), status.warning
    )
    if values.get("extension"):
        # The shell's development flag: one extension, without the safety checks.
        paths.append(str(values["extension"]))
    autoloader = Autoloader(
        paths,
        socket_path,
        str(values["extensions_timeout"]),
        str(values["extensions_interval"]),
        verbose=bool(values["verbose"]),
        report=status.warning,
    )
    autoloader.start()
    manager.ticks.append(lambda now: autoloader.check())
    return ExtensionsService(manager, autoloader, binding)


def _publish_plugins(manager: ExtensionManager, engine: Engine, values: FlagValues) -> None:
    """List extension config and logger plugins in osquery_registry (active when selected)."""
    plugins = engine.runtime.plugins
    config = str(values.get("config_plugin", ""))
    loggers = {n.strip() for n in str(values.get("logger_plugin", "")).split(",")}
    offered = manager.offered_plugins()
    for registry in ("config", "logger"):
        current = dict(plugins.get(registry, {}))
        selected = {config} if registry == "config" else loggers
        current.update({n: n in selected for r, n in offered if r == registry})
        plugins[registry] = current


def start(daemon: Daemon) -> ExtensionsService:
    """hostqld's extensions service (one per daemon: a second call returns the first)."""
    running = _RUNNING.get(daemon)
    if running is not None:
        return running
    values = daemon.values
    service = _launch(values, daemon.engine, daemon.status, on_shutdown=daemon.request_stop)
    _RUNNING[daemon] = service
    service.loggers = [
        logger for logger in daemon.delivery.loggers if isinstance(logger, ExtensionLogger)
    ]
    for logger in service.loggers:
        logger.attach(service.manager, int(values["logger_min_status"]))
    missing = service.missing_required(values)
    if missing:
        daemon.status.error(
            "Cannot start extension manager: Required extension not found or not loaded: "
            + ", ".join(missing)
        )
        daemon.request_stop()
    service.step(0.0)
    return service


class StderrStatus:
    """The shell's status sink: warnings and errors on stderr, INFO only with --verbose."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose

    def info(self, message: str, *, verbose: bool = False) -> None:
        """An INFO line (shown with --verbose)."""
        if self.verbose:
            sys.stderr.write(f"I {message}\n")

    def warning(self, message: str) -> None:
        """A WARNING line."""
        sys.stderr.write(f"W {message}\n")

    def error(self, message: str) -> None:
        """An ERROR line."""
        sys.stderr.write(f"E {message}\n")


def start_shell(
    values: FlagValues, engine: Engine, describe: Describe | None = None
) -> ExtensionsService:
    """hostqli's manager (see extensions.shell); waits for autoloaded and required ones."""
    if not values.is_set("extensions_socket"):
        # osqueryi's socket lives in the user's home (~/.osquery/shell.em); so does ours.
        values.set("extensions_socket", str(Path.home() / ".hostql" / "shell.em"), "shell")
    status = StderrStatus(bool(values["verbose"]))
    service = _launch(values, engine, status, describe=describe)
    service.wait_for_autoloaded(wait_seconds(values))
    missing = service.missing_required(values)
    if missing:
        service.stop()
        raise PluginError(f"Required extension not found or not loaded: {', '.join(missing)}")
    service.manager.apply(service.binding)
    return service
