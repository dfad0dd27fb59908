"""The Logger base every logger plugin implements: results, snapshots and status, never raising."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from hostql.daemon.records import StatusEntry

# Severities as osquery numbers them (glog's).
INFO, WARNING, ERROR, FATAL = 0, 1, 2, 3


class Logger:
    """A logger plugin; I/O failures are counted in errors and last_error, never raised."""

    name: str = ""
    # Whether the daemon relays status logs to this logger (osquery's LOGGER_FEATURE_LOGSTATUS).
    uses_status: bool = True

    def __init__(self, min_status: int = INFO) -> None:
        self.min_status = min_status
        self.errors = 0
        self.last_error = ""

    def log_results(self, lines: Sequence[str]) -> None:
        """Write differential (or event-format) result lines."""
        raise NotImplementedError

    def log_snapshots(self, lines: Sequence[str]) -> None:
        """Write snapshot result lines (the results sink unless the plugin has its own)."""
        self.log_results(lines)

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """Write status log entries at or above min_status (ignored unless uses_status)."""

    def flush(self) -> None:
        """Push buffered output to its destination."""

    def close(self) -> None:
        """Flush and release files and sockets; the logger is not used afterwards."""
        self.flush()

    def wanted(self, entries: Sequence[StatusEntry]) -> list[StatusEntry]:
        """The entries at or above --logger_min_status."""
        return [entry for entry in entries if entry.severity >= self.min_status]

    def record_error(self, message: str) -> None:
        """Count a failure and remember it for the status log."""
        self.errors += 1
        self.last_error = message

    def fall_back(self, message: str, lines: Sequence[str], stream: TextIO | None = None) -> None:
        """Record a failure and write the lines it would lose to stderr instead."""
        self.record_error(message)
        out = stream or sys.stderr
        try:
            out.write(f"hostqld: {self.name} logger: {message}\n")
            out.writelines(line + "\n" for line in lines)
            out.flush()
        except (OSError, ValueError):
            # stderr itself is gone (closed by a supervisor): nothing left to write to.
            pass
