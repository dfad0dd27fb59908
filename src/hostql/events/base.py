"""The publish/subscribe contract every event source and evented table implements.

A Publisher owns one event source (an inotify fd, the audit netlink socket, a named pipe)
and runs it on its own thread: ``run(stop)`` blocks, reading events and passing each to
``self.fire(event)``. The runtime (``hostql.events.bus``) calls ``configure`` whenever a
config is loaded, restarts ``run`` with backoff when it raises, and counts what it is
told through ``self.count``. A Subscriber belongs to one evented table: it declares the
publisher it listens to and turns each fired event into rows; the runtime stamps ``time``
and ``eid`` and buffers the rows in the backing store until they are queried or expire.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.daemon.config.model import Config
    from hostql.flags import FlagValues

Event = Mapping[str, Any]
Row = dict[str, Any]


class PublisherError(Exception):
    """A publisher cannot run (the reason is one line); the runtime logs it and retries."""


class Publisher:
    """One event source, run on its own thread by the runtime."""

    name: str = ""

    def __init__(self, values: FlagValues) -> None:
        self.values = values
        self.fire: Callable[[Event], None] = lambda event: None
        # Counters shown by osquery_events and its hostql columns (events, lost, dropped...).
        self.counters: dict[str, int] = {"events": 0, "refreshes": 0}
        self.lock = threading.Lock()

    def count(self, counter: str, amount: int = 1) -> None:
        """Add to one of this publisher's counters (thread-safe)."""
        with self.lock:
            self.counters[counter] = self.counters.get(counter, 0) + amount

    def configure(self, config: Config, subscribers: Iterable[Subscriber]) -> None:
        """Apply a (new) config: watched paths, audit rules... Called before and while running."""

    def setup(self) -> None:
        """Acquire the source (raise PublisherError with a one-line reason if unavailable)."""

    def run(self, stop: threading.Event) -> None:
        """Read events until stop is set, calling self.fire(event) for each."""
        raise NotImplementedError

    def teardown(self) -> None:
        """Release the source and undo any system change setup made."""


class Subscriber:
    """The event side of one evented table."""

    name: str = ""  # the table name, e.g. "file_events"
    publisher: str = ""  # the Publisher.name it listens to

    def __init__(self, values: FlagValues) -> None:
        self.values = values

    def rows(self, event: Event) -> Iterable[Row]:
        """The table rows one fired event yields (none if it is not for this table)."""
        raise NotImplementedError
