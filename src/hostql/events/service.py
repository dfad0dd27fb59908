"""Starting events: the daemon's ``events`` service and the shell's ``--disable_events=false``."""

from __future__ import annotations

import atexit
import glob
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hostql.events.bus import EventRuntime
from hostql.events.publishers import PUBLISHERS, builtin_publishers, builtin_subscribers
from hostql.events.store import EventStore, KeyValueStore, MemoryStore, StatusSink

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon
    from hostql.events.base import Publisher, Subscriber
    from hostql.flags import FlagValues
    from hostql.sql.engine import Engine


class EventService:
    """The daemon service: reconfigures on every config load and reports losses each step."""

    name = "events"

    def __init__(
        self,
        runtime: EventRuntime,
        config: Callable[[], Any],
        schedule: Callable[[], Iterable[Any]],
    ) -> None:
        self.runtime = runtime
        self._config = config
        self._schedule = schedule
        self._applied: Any = None

    def reconfigure(self, config: Any = None) -> None:
        """Apply config (default: the daemon's current one) to subscribers and publishers."""
        config = self._config() if config is None else config
        self._applied = config
        readers = [(q.name, q.query, int(q.interval)) for q in self._schedule()]
        self.runtime.configure(config, readers)

    def step(self, now: float) -> None:
        """Pick up a newly loaded config, then report event losses."""
        if self._config() is not self._applied:
            self.reconfigure()
        self.runtime.step(now)

    def stop(self) -> None:
        """Stop the publishers and their threads."""
        self.runtime.stop()


def start(daemon: Daemon) -> EventService:
    """The daemon's events service: rows buffered in its backing store, status to its log."""
    store = EventStore(daemon.store, daemon.values, daemon.status, daemon=True)
    runtime = build_runtime(daemon.values, store, daemon.status, plugin_publishers(daemon))
    daemon.runtime.events = store
    service = EventService(runtime, lambda: daemon.config, lambda: daemon.schedule)
    store.reconfigure = service.reconfigure
    service.reconfigure()
    runtime.start()
    return service


def start_for_engine(
    engine: Engine,
    values: FlagValues,
    store: KeyValueStore | None = None,
    status: StatusSink | None = None,
) -> EventRuntime:
    """Run events for hostqli: config from --config_path, rows in memory unless store is given.

    Status lines become the engine's warnings (shown after the next statement); the
    runtime stops by itself at exit.
    """
    sink = status if status is not None else EngineWarnings(engine, bool(values["verbose"]))
    events = EventStore(store if store is not None else MemoryStore(), values, sink, daemon=False)
    runtime = build_runtime(values, events, sink)
    engine.runtime.events = events
    runtime.configure(read_events_config(str(values["config_path"]), sink))
    runtime.start()
    reporter = threading.Thread(
        target=_report, args=(runtime,), name="hostql-events-report", daemon=True
    )
    reporter.start()
    atexit.register(runtime.stop)
    return runtime


def build_runtime(
    values: FlagValues,
    store: EventStore,
    status: StatusSink,
    extra: tuple[list[Publisher], list[Subscriber]] = ([], []),
) -> EventRuntime:
    """A runtime over every built-in publisher and subscriber, plus extra (from plugins)."""
    return EventRuntime(
        values,
        store,
        status,
        builtin_publishers(values, status) + extra[0],
        builtin_subscribers(values, status) + extra[1],
    )


def plugin_publishers(daemon: Daemon) -> tuple[list[Publisher], list[Subscriber]]:
    """Publishers from entry-point plugins, with the subscribers each class lists in its
    ``subscribers`` attribute (the evented tables it feeds); failures are ERROR lines."""
    plugins = getattr(daemon, "plugins", None)
    if plugins is None:
        return [], []
    publishers: list[Publisher] = []
    subscribers: list[Subscriber] = []
    for name, cls in plugins.publishers(PUBLISHERS).items():
        try:
            publishers.append(cls(daemon.values))
            subscribers.extend(sub(daemon.values) for sub in getattr(cls, "subscribers", ()))
        except Exception as exc:  # one broken plugin must not stop the other sources
            daemon.status.error(f"Cannot load event publisher {name}: {type(exc).__name__}: {exc}")
    return publishers, subscribers


def _report(runtime: EventRuntime) -> None:
    while not runtime.stop_event.wait(1.0):
        runtime.step(0.0)


class EngineWarnings:
    """A StatusSink for the shell: warnings and errors join the engine's table warnings."""

    def __init__(self, engine: Engine, verbose: bool) -> None:
        self.engine = engine
        self.verbose = verbose

    def info(self, message: str, *, verbose: bool = False) -> None:
        """Shown only with --verbose."""
        if self.verbose:
            self.engine.warnings.append(message)

    def warning(self, message: str) -> None:
        """Shown after the next statement."""
        self.engine.warnings.append(message)

    def error(self, message: str) -> None:
        """Shown after the next statement."""
        self.engine.warnings.append(message)


@dataclass(frozen=True, slots=True)
class EventsConfig:
    """The config keys events read, for the shell (which loads no daemon config)."""

    events: dict[str, tuple[str, ...]] = field(default_factory=dict)
    file_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    file_accesses: tuple[str, ...] = ()


def read_events_config(config_path: str, status: StatusSink | None = None) -> EventsConfig:
    """The events keys of a filesystem config and its .d/*.conf files (empty if unreadable)."""
    if not os.path.isfile(config_path):
        return EventsConfig()
    paths = sorted(
        [config_path, *glob.glob(os.path.join(glob.escape(config_path + ".d"), "*.conf"))]
    )
    events: dict[str, list[str]] = {}
    file_paths: dict[str, list[str]] = {}
    excludes: dict[str, tuple[str, ...]] = {}
    accesses: set[str] = set()
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                document = json.loads(_without_comments(handle.read()))
        except (OSError, ValueError) as exc:
            if status is not None:
                status.warning(f"Cannot read the events keys of config {path}: {exc}")
            continue
        if not isinstance(document, dict):
            continue
        for key, items in _lists(document.get("events")).items():
            events.setdefault(key, []).extend(items)
        paths_here = _lists(document.get("file_paths"))
        for category, items in paths_here.items():
            file_paths.setdefault(category, []).extend(items)
        if paths_here:
            excludes.update({c: tuple(i) for c, i in _lists(document.get("exclude_paths")).items()})
            found = document.get("file_accesses")
            if isinstance(found, list):
                accesses.update(str(item) for item in found if isinstance(item, str))
    return EventsConfig(
        events={k: tuple(v) for k, v in events.items()},
        file_paths={k: tuple(v) for k, v in file_paths.items()},
        exclude_paths=excludes,
        file_accesses=tuple(sorted(accesses)),
    )


def _lists(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    return {
        str(key): [item for item in items if isinstance(item, str) and item]
        for key, items in value.items()
        if isinstance(items, list)
    }


def _without_comments(text: str) -> str:
    # osquery's rule: whole lines starting with # or // are comments; a trailing \ joins lines.
    kept = [
        line
        for line in text.replace("\\\n", "").splitlines()
        if not line.strip().startswith(("#", "//"))
    ]
    return "\n".join(kept)
