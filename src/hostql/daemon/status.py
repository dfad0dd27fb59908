"""Status logs: severity filtering, the stderr echo, and hand-off to the loggers."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from hostql.daemon.records import StatusEntry, status_glog

INFO, WARNING, ERROR, FATAL = 0, 1, 2, 3


class StatusLog:
    """Collects status entries like osquery's glog sink: stderr echo plus logger relay."""

    def __init__(
        self,
        *,
        min_status: int = INFO,
        min_stderr: int = INFO,
        to_stderr: bool = True,
        verbose: bool = False,
        host_identifier: Callable[[], str] = lambda: "",
        version: str = "",
        stream: TextIO | None = None,
    ) -> None:
        self.min_status = min_status
        self.min_stderr = min_stderr
        self.to_stderr = to_stderr
        self.verbose = verbose
        self.host_identifier = host_identifier
        self.version = version
        self.stream = stream
        self._pending: list[StatusEntry] = []
        self._lock = threading.Lock()

    def log(self, severity: int, message: str, *, verbose: bool = False, depth: int = 1) -> None:
        """Record one status message from the caller's file and line."""
        if verbose and not self.verbose:
            return
        frame = sys._getframe(depth)
        filename = frame.f_code.co_filename.rsplit("/", 1)[-1]
        entry = StatusEntry(
            severity,
            filename,
            frame.f_lineno,
            message,
            int(time.time()),
            self.host_identifier(),
            self.version,
        )
        if self.to_stderr and severity >= self.min_stderr:
            stream = self.stream or sys.stderr
            now = time.time()
            try:
                stream.write(
                    status_glog(entry, threading.get_native_id(), int(now % 1 * 1_000_000)) + "\n"
                )
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed stderr must not stop the daemon
        if severity >= self.min_status:
            with self._lock:
                self._pending.append(entry)

    def info(self, message: str, *, verbose: bool = False) -> None:
        """An INFO status line (verbose ones only with --verbose)."""
        self.log(INFO, message, verbose=verbose, depth=2)

    def warning(self, message: str) -> None:
        """A WARNING status line."""
        self.log(WARNING, message, depth=2)

    def error(self, message: str) -> None:
        """An ERROR status line."""
        self.log(ERROR, message, depth=2)

    def drain(self) -> list[StatusEntry]:
        """Take the entries waiting for the loggers."""
        with self._lock:
            taken, self._pending = self._pending, []
        return taken
