"""The core's ExtensionManager: registrations, the Thrift methods, and the watcher thread."""

from __future__ import annotations

import contextlib
import os
import random
import stat
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from hostql.catalog import CATALOG
from hostql.extensions import interface as idl
from hostql.extensions.bindings import EngineBinding
from hostql.extensions.extension import RegisteredExtension, Routes, extension_socket
from hostql.extensions.queries import QueryService, declared_columns
from hostql.extensions.server import ThriftServer, socket_answers
from hostql.extensions.tables import InvalidRoute, table_spec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hostql.extensions.queries import Describe
    from hostql.flags import FlagValues
    from hostql.schema import TableSpec
    from hostql.sql.engine import Engine

# osquery refuses extensions built with an SDK older than its last API change.
MIN_SDK_VERSION = (1, 7, 7)


class StatusSink(Protocol):
    """Where the manager reports (the daemon's StatusLog, or stderr in the shell)."""

    def info(self, message: str, *, verbose: bool = False) -> None:
        """An INFO line."""

    def warning(self, message: str) -> None:
        """A WARNING line."""

    def error(self, message: str) -> None:
        """An ERROR line."""


def version_tuple(text: str) -> tuple[int, ...]:
    """'1.8.0' -> (1, 8, 0); unparsable parts count as 0."""
    parts = []
    for part in text.split(".")[:4]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


class ExtensionManager:
    """Serves the extensions socket; bound engines take in extension tables on their threads."""

    def __init__(
        self,
        socket_path: str,
        values: FlagValues,
        status: StatusSink,
        *,
        query_engine: Callable[[], Engine] | None = None,
        describe: Describe | None = None,
        call_timeout: float = 30.0,
        on_shutdown: Callable[[], None] = lambda: None,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.socket_path = socket_path
        self.values = values
        self.status = status
        self.call_timeout = call_timeout
        self.on_shutdown = on_shutdown
        self.on_change = on_change
        self.interval = max(0.2, _seconds(values.get("extensions_interval", "3")))
        self.registered: dict[int, RegisteredExtension] = {}
        self.tables: dict[str, tuple[str, TableSpec]] = {}
        self.bindings: list[EngineBinding] = []
        self.ticks: list[Callable[[float], None]] = []
        self.queries = (
            QueryService(query_engine, self, describe or declared_columns) if query_engine else None
        )
        self.server = ThriftServer(
            socket_path, self.handle, on_error=lambda m: status.info(m, verbose=True)
        )
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._runtime_rows: Callable[[list[dict[str, Any]]], None] = lambda rows: None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Listen on the socket and start watching extensions."""
        self.server.start()
        remove_stale_sockets(self.socket_path)
        self._thread = threading.Thread(
            target=self._watch, name="hostql-extensions-watch", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Ask every extension to shut down, forget them, and stop serving."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            extensions = list(self.registered.values())
        for extension in extensions:
            extension.shutdown()
            self.deregister(extension.uuid)
        self.server.stop()

    def bind(self, engine: Engine) -> EngineBinding:
        """Track engine's extension tables; its own thread brings it up to date with apply()."""
        binding = EngineBinding(engine)
        with self._lock:
            self.bindings.append(binding)
        return binding

    def apply(self, binding: EngineBinding) -> bool:
        """Bring one engine up to date now (from the thread that uses it); False if busy."""
        with self._lock:
            wanted = dict(self.tables)
        return binding.apply(wanted)

    def report_rows(self, publish: Callable[[list[dict[str, Any]]], None]) -> None:
        """Send the osquery_extensions rows to publish whenever registrations change."""
        self._runtime_rows = publish
        self._publish()

    # -- lookups ---------------------------------------------------------------------------

    def plugin(self, registry: str, name: str) -> RegisteredExtension | None:
        """The running extension that offers plugin name in registry."""
        with self._lock:
            for extension in self.registered.values():
                if extension.alive and name in extension.routes.get(registry, {}):
                    return extension
        return None

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait up to timeout seconds for predicate to hold, re-checked at each registration."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopping.is_set():
                    return False
                self._changed.wait(min(remaining, 0.5))
        return True

    def offered_plugins(self) -> list[tuple[str, str]]:
        """(registry, plugin name) of every plugin the running extensions offer."""
        with self._lock:
            return [
                (registry, name)
                for extension in self.registered.values()
                if extension.alive
                for registry, plugins in extension.routes.items()
                for name in plugins
            ]

    def named(self, name: str) -> RegisteredExtension | None:
        """The running extension registered under name."""
        with self._lock:
            for extension in self.registered.values():
                if extension.alive and extension.name == name:
                    return extension
        return None

    # -- the Thrift methods ----------------------------------------------------------------

    def handle(self, method: str, args: dict[str, Any]) -> Any:
        """Dispatch one ExtensionManager call."""
        if method == "ping":
            return idl.status(idl.SUCCESS, "pong")
        if method == "registerExtension":
            return self.register(args.get("info") or {}, args.get("registry") or {})
        if method == "deregisterExtension":
            return self.deregister(int(args.get("uuid") or 0))
        if method == "extensions":
            with self._lock:
                return {u: e.info() for u, e in self.registered.items() if e.alive}
        if method == "options":
            return self.options()
        if method == "shutdown":
            self.status.info("Extension manager received a shutdown request")
            self.on_shutdown()
            return None
        if self.queries is None:
            return idl.response(idl.FAILED, "This extension manager does not run queries")
        if method == "query":
            return self.queries.query(str(args.get("sql") or ""))
        if method == "getQueryColumns":
            return self.queries.columns(str(args.get("sql") or ""))
        if method == "call":
            return self.queries.call(
                str(args.get("registry") or ""),
                str(args.get("item") or ""),
                args.get("request") or {},
            )
        raise ValueError(f"unsupported method {method}")

    def register(self, info: dict[str, str], routes: Routes) -> dict[str, Any]:
        """registerExtension: refuse duplicates and old SDKs, then add every plugin."""
        name = str(info.get("name", ""))
        with self._lock:
            if self.named(name) is not None:
                self.status.warning(f"Refusing to register duplicate extension {name}")
                return idl.status(idl.FAILED, "Duplicate extension registered")
            if version_tuple(str(info.get("sdk_version", "0"))) < MIN_SDK_VERSION:
                self.status.warning(
                    f"Could not add extension {name}: incompatible extension SDK "
                    f"{info.get('sdk_version', '')}"
                )
                return idl.status(idl.FAILED, "Incompatible extension SDK version")
            uuid = self._new_uuid()
            extension = RegisteredExtension(
                uuid,
                info,
                routes,
                extension_socket(self.socket_path, uuid),
                call_timeout=self.call_timeout,
                on_gone=self._gone,
            )
            try:
                specs = self._table_specs(extension)
            except InvalidRoute as exc:
                self.status.warning(f"Could not add extension {name}: {exc}")
                return idl.status(idl.FAILED, "Failed adding registry broadcast")
            self.registered[uuid] = extension
            for spec in specs:
                self.tables[spec.name] = (name, spec)
            self._changed.notify_all()
        self.status.info(
            f"Registering extension ({name}, {uuid}, version={extension.version}, "
            f"sdk={extension.sdk_version})",
            verbose=True,
        )
        self._after_change()
        return idl.status(idl.SUCCESS, "OK", uuid)

    def deregister(self, uuid: int, reason: str = "") -> dict[str, Any]:
        """deregisterExtension: remove the extension and its plugins."""
        with self._lock:
            extension = self.registered.pop(uuid, None)
            if extension is None:
                return idl.status(idl.FAILED, "No extension UUID registered")
            for table, (owner, _spec) in list(self.tables.items()):
                if owner == extension.name:
                    del self.tables[table]
            self._changed.notify_all()
        extension.close()
        if reason:
            self.status.info(f"Extension UUID {uuid} ({extension.name}) {reason}")
        self._after_change()
        return idl.status(idl.SUCCESS, "OK", uuid)

    def options(self) -> dict[str, dict[str, str]]:
        """options: every flag's value, default and type."""
        result = {}
        for flag in self.values.registry:
            result[flag.name] = {
                "value": flag.render(self.values[flag.name]),
                "default_value": flag.render(flag.default),
                "type": flag.type.value,
            }
        return result

    # -- internals -------------------------------------------------------------------------

    def _table_specs(self, extension: RegisteredExtension) -> list[TableSpec]:
        default_index = bool(self.values.get("extensions_default_index", True))
        specs = []
        for table, route in extension.routes.get("table", {}).items():
            spec = table_spec(extension, table, route, default_index=default_index)
            if (
                table in self.tables
                or table in CATALOG
                or any(table in b.engine.tables and not b.owns(table) for b in self.bindings)
            ):
                raise InvalidRoute(f"table {table} already exists")
            specs.append(spec)
        return specs

    def _new_uuid(self) -> int:
        while True:
            uuid = random.randint(1, 65535)
            if uuid not in self.registered:
                return uuid

    def _gone(self, extension: RegisteredExtension) -> None:
        """A call found the extension dead: deregister it (engines follow on their threads)."""
        self.deregister(extension.uuid, "has gone away")

    def _after_change(self) -> None:
        self._publish()
        self._wake.set()
        try:
            self.on_change()
        except Exception as exc:  # a listener must not break registration
            self.status.error(f"extensions: change listener failed: {exc}")

    def _publish(self) -> None:
        with self._lock:
            rows = [e.row() for _, e in sorted(self.registered.items()) if e.alive]
        self._runtime_rows(rows)

    def _watch(self) -> None:
        next_ping = time.monotonic() + self.interval
        while not self._stopping.is_set():
            self._wake.wait(max(0.0, min(next_ping - time.monotonic(), 1.0)))
            self._wake.clear()
            if self._stopping.is_set():
                return
            if time.monotonic() >= next_ping:
                self._ping_all()
                next_ping = time.monotonic() + self.interval
            for tick in list(self.ticks):
                try:
                    tick(time.time())
                except Exception as exc:  # supervision must go on
                    self.status.error(f"extensions: {exc}")

    def _ping_all(self) -> None:
        with self._lock:
            extensions = list(self.registered.values())
        timeout = max(1.0, self.interval)
        for extension in extensions:
            if not extension.ping(timeout=timeout):
                self.deregister(extension.uuid, "has gone away")


def remove_stale_sockets(manager_socket: str) -> None:
    """Remove <socket>.<uuid> files no extension answers on (left by a previous core's)."""
    directory, base = os.path.split(manager_socket)
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return
    for name in names:
        suffix = name[len(base) + 1 :]
        if name.startswith(base + ".") and suffix.isdigit():
            path = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.lstat(path).st_mode) and not socket_answers(path, 0.2):
                    os.unlink(path)


def _seconds(text: object) -> float:
    try:
        return float(str(text).strip() or 0)
    except ValueError:
        return 0.0
