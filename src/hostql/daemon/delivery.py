"""Delivery: one thread hands result and status lines to every logger, off the scheduler."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.daemon.loggers.base import Logger
    from hostql.daemon.records import StatusEntry

RESULTS, SNAPSHOTS, STATUS = "results", "snapshots", "status"
_STOP = ("stop", ())


class Delivery:
    """A queue and a thread: the scheduler never waits on a slow sink."""

    def __init__(self, loggers: Sequence[Logger], max_pending_lines: int = 1_000_000) -> None:
        self.loggers = list(loggers)
        self.max_pending_lines = max_pending_lines
        self.dropped = 0
        self._pending = 0
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, Sequence[object]]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="hostql-delivery", daemon=True)
        self._thread.start()

    def results(self, lines: Sequence[str]) -> None:
        """Queue differential result lines."""
        self._put(RESULTS, lines)

    def snapshots(self, lines: Sequence[str]) -> None:
        """Queue snapshot result lines."""
        self._put(SNAPSHOTS, lines)

    def status(self, entries: Sequence[StatusEntry]) -> None:
        """Queue status entries for the loggers that take them."""
        self._put(STATUS, entries)

    def _put(self, kind: str, items: Sequence[object]) -> None:
        if not items:
            return
        if kind != STATUS:
            # Loggers with a durable spool take lines on the caller's thread (a local commit),
            # so no line waits in memory once its query's new state is stored.
            for logger in self.loggers:
                if getattr(logger, "durable", False):
                    self._deliver(logger, kind, items)
        with self._lock:
            # A bound on memory: past buffered_log_max pending lines, new batches are dropped
            # and counted rather than letting the daemon grow without limit.
            if self._pending + len(items) > self.max_pending_lines:
                self.dropped += len(items)
                return
            self._pending += len(items)
        self._queue.put((kind, items))

    def _run(self) -> None:
        while True:
            kind, items = self._queue.get()
            if kind == _STOP[0]:
                break
            for logger in self.loggers:
                if kind != STATUS and getattr(logger, "durable", False):
                    continue  # already handed over by _put
                self._deliver(logger, kind, items)
                if self._queue.empty():
                    with contextlib.suppress(Exception):
                        logger.flush()
            with self._lock:
                self._pending -= len(items)
            self._queue.task_done()

    @staticmethod
    def _deliver(logger: Logger, kind: str, items: Sequence[object]) -> None:
        try:
            if kind == RESULTS:
                logger.log_results(items)  # type: ignore[arg-type]
            elif kind == SNAPSHOTS:
                logger.log_snapshots(items)  # type: ignore[arg-type]
            elif logger.uses_status:
                logger.log_status(items)  # type: ignore[arg-type]
        except Exception as exc:  # a broken plugin must not stop delivery
            logger.errors += 1
            logger.last_error = f"{type(exc).__name__}: {exc}"

    def wait(self) -> None:
        """Block until everything queued so far was handed to the loggers."""
        self._queue.join()

    def close(self) -> None:
        """Deliver what is queued, stop the thread, and close every logger."""
        self._queue.put(_STOP)
        self._thread.join(timeout=30)
        for logger in self.loggers:
            # Closing must reach every logger, whatever one of them raises.
            with contextlib.suppress(Exception):
                logger.close()
