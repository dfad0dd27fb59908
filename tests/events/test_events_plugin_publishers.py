"""Event publishers from entry-point plugins start with the subscribers their class lists."""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace
from typing import Any

from hostql.daemon.status import StatusLog
from hostql.events.base import Publisher, Subscriber
from hostql.events.service import plugin_publishers
from hostql.flags import default_values


class PingSubscriber(Subscriber):
    name = "ping_events"
    publisher = "ping"

    def rows(self, event: Any) -> list[dict[str, Any]]:
        return [dict(event)]


class PingPublisher(Publisher):
    name = "ping"
    subscribers = (PingSubscriber,)

    def run(self, stop: threading.Event) -> None:
        stop.wait()


class BrokenPublisher(Publisher):
    name = "broken"

    def __init__(self, values: Any) -> None:
        raise OSError("no device")


def test_plugin_publishers_come_with_their_subscribers() -> None:
    stream = io.StringIO()
    plugins = SimpleNamespace(
        publishers=lambda builtin: {"ping": PingPublisher, "broken": BrokenPublisher}
    )
    daemon = SimpleNamespace(
        plugins=plugins, values=default_values(), status=StatusLog(stream=stream)
    )
    publishers, subscribers = plugin_publishers(daemon)  # type: ignore[arg-type]
    assert [p.name for p in publishers] == ["ping"]
    assert [s.name for s in subscribers] == ["ping_events"]
    assert "Cannot load event publisher broken: OSError: no device" in stream.getvalue()


def test_no_plugin_manager_means_no_plugin_publishers() -> None:
    daemon = SimpleNamespace(values=default_values(), status=StatusLog(stream=io.StringIO()))
    assert plugin_publishers(daemon) == ([], [])  # type: ignore[arg-type]
