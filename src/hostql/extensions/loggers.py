"""Logger plugins offered by extensions: the daemon's Logger interface, lines sent over Thrift.

The daemon builds these before the extension manager runs (loggers come first), so a logger
waits, buffering a bounded number of lines, until an extension registers its plugin.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hostql.errors import PluginError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hostql.daemon.records import StatusEntry
    from hostql.extensions.extension import RegisteredExtension
    from hostql.extensions.manager import ExtensionManager
    from hostql.flags import FlagValues

# osquery's logger features, answered as the status code of {"action": "features"}.
FEATURE_LOGSTATUS, FEATURE_LOGEVENT = 1, 2
MAX_PENDING = 10_000


class ExtensionLogger:
    """A --logger_plugin name an extension provides; duck-types the daemon's Logger."""

    def __init__(self, name: str, max_pending: int = MAX_PENDING) -> None:
        self.name = name
        self.uses_status = True
        self.min_status = 0
        self.errors = 0
        self.last_error = ""
        self.dropped = 0
        self._manager: ExtensionManager | None = None
        self._extension: RegisteredExtension | None = None
        self._pending: deque[tuple[str, str]] = deque()
        self._max_pending = max_pending
        self._lock = threading.Lock()

    def attach(self, manager: ExtensionManager, min_status: int = 0) -> None:
        """Start delivering through manager's registrations."""
        self._manager = manager
        self.min_status = min_status
        self.flush()

    # -- the Logger interface ------------------------------------------------------------------

    def log_results(self, lines: Sequence[str]) -> None:
        """Each line as {"string": line}."""
        self._send([("string", line) for line in lines])

    def log_snapshots(self, lines: Sequence[str]) -> None:
        """Each line as {"snapshot": line}."""
        self._send([("snapshot", line) for line in lines])

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """One {"status": "true", "log": [...]} call, as osquery's BufferedLogSink relays."""
        wanted = [entry for entry in entries if entry.severity >= self.min_status]
        if wanted:
            self._send([("status", status_log_json(wanted))])

    def flush(self) -> None:
        """Deliver what waited for the plugin to register."""
        self._send([])

    def close(self) -> None:
        """Deliver what can be delivered; the rest is dropped."""
        self.flush()

    def poke(self) -> None:
        """flush() unless a delivery is under way (for the daemon's loop, which must not wait)."""
        if self._pending and self._lock.acquire(blocking=False):
            self._lock.release()
            self._send([])

    # -- delivery --------------------------------------------------------------------------

    def _send(self, items: list[tuple[str, str]]) -> None:
        with self._lock:
            self._pending.extend(items)
            overflow = len(self._pending) - self._max_pending
            for _ in range(max(0, overflow)):
                self._pending.popleft()
                self.dropped += 1
            extension = self._plugin()
            while extension is not None and self._pending:
                kind, text = self._pending[0]
                if kind == "status" and not self.uses_status:
                    self._pending.popleft()
                    continue
                request = {"status": "true", "log": text} if kind == "status" else {kind: text}
                try:
                    response = extension.call("logger", self.name, request)
                except PluginError as exc:
                    self.errors += 1
                    self.last_error = str(exc)
                    return  # kept: delivered once the plugin is back
                self._pending.popleft()
                code = (response.get("status") or {}).get("code", 0)
                if code != 0 and kind != "status":
                    # osquery-python answers status lines "Use Glog for status logging".
                    self.errors += 1
                    self.last_error = str((response.get("status") or {}).get("message", ""))

    def _plugin(self) -> RegisteredExtension | None:
        if self._manager is None:
            return None
        extension = self._manager.plugin("logger", self.name)
        if extension is not None and extension is not self._extension:
            self._extension = extension
            self._greet(extension)
        return extension

    def _greet(self, extension: RegisteredExtension) -> None:
        """Ask a newly registered plugin which features it wants, then send it "init"."""
        try:
            features = extension.call("logger", self.name, {"action": "features"})
            code = int((features.get("status") or {}).get("code", 0))
            self.uses_status = bool(code & FEATURE_LOGSTATUS)
            extension.call("logger", self.name, {"init": "hostqld", "log": "[]"})
        except (PluginError, ValueError) as exc:
            self.errors += 1
            self.last_error = str(exc)


def status_log_json(entries: Sequence[StatusEntry]) -> str:
    """Status entries as osquery serializes them for logger plugins: s, f, i, m, h, c, u."""
    return json.dumps(
        [
            {
                "s": entry.severity,
                "f": entry.filename,
                "i": entry.line,
                "m": entry.message,
                "h": entry.host_identifier,
                "c": entry.calendar_time,
                "u": entry.unix_time,
            }
            for entry in entries
        ],
        separators=(",", ":"),
    )


def extension_loggers(
    names: str, values: FlagValues, known: Mapping[str, Any]
) -> dict[str, Callable[[FlagValues], ExtensionLogger]]:
    """Logger factories for the --logger_plugin names that only an extension can provide."""
    if values.get("disable_extensions", False):
        return {}
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    return {
        name: (lambda _values, name=name: ExtensionLogger(name))  # type: ignore[misc]
        for name in wanted
        if name not in known
    }
