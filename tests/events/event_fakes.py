"""Test doubles for the events tests: a status recorder, a settable clock, a poller."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Recorder:
    """A StatusSink that keeps every line, by severity."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(("info", message))

    def warning(self, message: str) -> None:
        self.lines.append(("warning", message))

    def error(self, message: str) -> None:
        self.lines.append(("error", message))

    def text(self, severity: str | None = None) -> list[str]:
        return [m for s, m in self.lines if severity is None or s == severity]


class Clock:
    """A settable time source."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll check until it returns something truthy (the last value on timeout)."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.05)
        value = check()
    return value
