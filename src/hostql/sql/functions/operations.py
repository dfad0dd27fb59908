"""osquery's operational SQL functions: the carve() aggregate and sleep()."""

from __future__ import annotations

import time
from collections.abc import Callable

from hostql.sql.functions.coercion import SqlValue, as_int32, c_text

CarveStarter = Callable[[frozenset[str]], str]
"""Starts one carve of the given paths and returns its carve GUID."""

# osquery hands SQLite a fixed length of 13 bytes, whatever the message.
_RESULT_LENGTH = 13
_CARVE_STARTED = "Carve Started: "
_CARVE_FAILED = "Carve Failed: function disabled"

# None stands for --carver_disable_function=true, osquery's default.
_carve_starter: CarveStarter | None = None


def set_carve_starter(starter: CarveStarter | None) -> None:
    """Enable carve() with the function that starts carves, or disable it again with None."""
    global _carve_starter
    _carve_starter = starter


class CarveAggregate:
    """carve(path): collects the paths of every row, then starts a single carve of them all."""

    def __init__(self) -> None:
        self.paths: set[str] = set()

    def step(self, path: SqlValue) -> None:
        """Remember one path; NULL is skipped."""
        if path is not None:
            self.paths.add(c_text(path))

    def final(self) -> str:
        """Start the carve; osquery truncates the status text to 13 characters."""
        if _carve_starter is None:
            return _CARVE_FAILED[:_RESULT_LENGTH]
        return (_CARVE_STARTED + _carve_starter(frozenset(self.paths)))[:_RESULT_LENGTH]


def sleep(seconds: SqlValue) -> int:
    """Sleep whole seconds (the value read as an int), returning them; negative sleeps 0."""
    # osquery's type check can never fire (argc is always 1), so any value is read as an int.
    duration = as_int32(seconds)
    if duration < 0:
        return 0
    time.sleep(duration)
    return duration
