"""The events runtime: own threads per publisher, restarts with backoff, queues, toggles."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from event_fakes import Recorder, wait_for

from hostql.events.base import Event, Publisher, PublisherError, Subscriber
from hostql.events.bus import EventRuntime
from hostql.events.service import EventsConfig
from hostql.events.store import EventStore, MemoryStore
from hostql.flags import FlagValues, default_values


class Ticker(Publisher):
    """Fires one event every few milliseconds."""

    name = "ticker"

    def run(self, stop: threading.Event) -> None:
        n = 0
        while not stop.wait(0.005):
            n += 1
            self.fire({"n": n})


class Crasher(Publisher):
    """run() raises at once, every time."""

    name = "crasher"

    def run(self, stop: threading.Event) -> None:
        raise RuntimeError("device unplugged")


class Sleeper(Publisher):
    """setup() blocks until released; run() ignores stop for long stretches."""

    name = "sleeper"
    release = threading.Event()

    def setup(self) -> None:
        self.release.wait(10)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            time.sleep(0.3)  # ignores stop for a while, like a blocking read


class Refuser(Publisher):
    """Cannot be set up."""

    name = "refuser"

    def setup(self) -> None:
        raise PublisherError("Publisher disabled via configuration")

    def run(self, stop: threading.Event) -> None:
        raise AssertionError("never runs")


class Burst(Publisher):
    """Fires a burst of events then idles."""

    name = "burst"

    def run(self, stop: threading.Event) -> None:
        for n in range(50):
            self.fire({"n": n})
        stop.wait()


class Rows(Subscriber):
    """One row per event, optionally slowly."""

    def __init__(self, values: FlagValues, name: str, publisher: str, delay: float = 0.0) -> None:
        super().__init__(values)
        self.name, self.publisher, self.delay = name, publisher, delay

    def rows(self, event: Event) -> Iterator[dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        yield {"n": event["n"]}


def runtime(
    publishers: list[Publisher],
    subscribers: list[Subscriber],
    recorder: Recorder,
    values: FlagValues,
) -> EventRuntime:
    store = EventStore(MemoryStore(), values, recorder, daemon=False)
    return EventRuntime(values, store, recorder, publishers, subscribers, backoff=(0.05, 0.2))


def test_a_crashing_publisher_is_restarted_with_backoff_and_never_blocks_another(
    recorder: Recorder,
) -> None:
    values = default_values()
    crasher, ticker, sleeper = Crasher(values), Ticker(values), Sleeper(values)
    subs: list[Subscriber] = [Rows(values, "tick_events", "ticker")]
    events = runtime([crasher, sleeper, ticker], subs, recorder, values)
    events.configure(EventsConfig())
    events.start()
    try:
        assert wait_for(lambda: events.store.stats("tick_events")["added"] >= 20, timeout=5)
        # Ticks flowed while the sleeper was still blocked in its setup.
        assert not events.publishers["sleeper"].active
        Sleeper.release.set()
        assert wait_for(lambda: events.publishers["sleeper"].active)
        assert wait_for(lambda: crasher.counters["refreshes"] >= 3)
        rows = {r["name"]: r for r in events.describe()}
        assert rows["crasher"]["active"] == 0
        assert rows["crasher"]["last_error"] == "RuntimeError: device unplugged"
        assert rows["ticker"]["active"] == 1 and rows["ticker"]["refreshes"] == 0
        assert rows["tick_events"]["type"] == "subscriber" and rows["tick_events"]["active"] == 1
        errors = recorder.text("error")
        assert errors[0] == (
            "Event publisher crasher run failed: RuntimeError: device unplugged; "
            "restarting in 0.05 s"
        )
        delays = [
            line.rsplit(" ", 2)[-2] for line in errors if line.startswith("Event publisher crasher")
        ]
        assert delays[:3] == ["0.05", "0.1", "0.2"]  # doubling, capped
    finally:
        events.stop(timeout=2)
    assert not events.store.running


def test_a_publisher_that_cannot_set_up_is_reported_once(recorder: Recorder) -> None:
    values = default_values()
    refuser = Refuser(values)
    events = runtime([refuser], [Rows(values, "refused_events", "refuser")], recorder, values)
    events.start()
    try:
        assert wait_for(lambda: refuser.counters["refreshes"] >= 3)
        assert recorder.text("info") == [
            "Event publisher not enabled: refuser: Publisher disabled via configuration"
        ]
        assert events.describe()[0]["active"] == 0
    finally:
        events.stop(timeout=2)


def test_a_slow_subscriber_does_not_stall_another_publisher(recorder: Recorder) -> None:
    values = default_values()
    subs: list[Subscriber] = [
        Rows(values, "slow_events", "burst", delay=0.5),
        Rows(values, "tick_events", "ticker"),
    ]
    events = runtime([Burst(values), Ticker(values)], subs, recorder, values)
    events.start()
    try:
        assert wait_for(lambda: events.store.stats("tick_events")["added"] >= 20, timeout=3)
        assert events.store.stats("slow_events")["added"] == 0
    finally:
        events.stop(timeout=0.5)


def test_a_full_queue_drops_and_counts(recorder: Recorder) -> None:
    values = default_values()
    values.set("events_queue_max", 5)
    burst = Burst(values)
    events = runtime([burst], [Rows(values, "slow_events", "burst", delay=0.2)], recorder, values)
    events.start()
    try:
        assert wait_for(lambda: burst.counters.get("dropped", 0) + burst.counters["events"] == 50)
        dropped = burst.counters["dropped"]
        assert dropped > 0
        events.step(0)
        assert recorder.text("warning") == [
            f"Event publisher burst: {dropped} events lost since the last report "
            f"({dropped} in all): the event queue was full (--events_queue_max)"
        ]
        events.step(0)
        assert len(recorder.text("warning")) == 1  # only new losses are reported
        assert events.describe()[0]["dropped"] == dropped
    finally:
        events.stop(timeout=0.5)


def test_config_toggles_subscribers_disable_wins(recorder: Recorder) -> None:
    values = default_values()
    on, off, both = (Rows(values, n, "ticker") for n in ("on_events", "off_events", "both_events"))
    shy = Rows(values, "shy_events", "ticker")
    shy.enabled_by_default = False  # type: ignore[attr-defined]
    events = runtime([Ticker(values)], [on, off, both, shy], recorder, values)
    config = EventsConfig(
        events={
            "enable_subscribers": ("both_events", "shy_events"),
            "disable_subscribers": ("off_events", "both_events"),
        }
    )
    events.configure(config)
    events.start()
    try:
        assert wait_for(lambda: events.store.stats("on_events")["added"] > 3)
        assert wait_for(lambda: events.store.stats("shy_events")["added"] > 3)
        assert events.store.stats("off_events")["added"] == 0
        assert events.store.stats("both_events")["added"] == 0
        active = {r["name"]: r["active"] for r in events.describe()}
        assert active == {
            "ticker": 1,
            "on_events": 1,
            "off_events": 0,
            "both_events": 0,
            "shy_events": 1,
        }
        reasons = {r["name"]: r["last_error"] for r in events.describe()}
        assert reasons["off_events"] == "Subscriber disabled via configuration"
    finally:
        events.stop(timeout=1)


def test_a_failing_subscriber_is_counted_and_others_continue(recorder: Recorder) -> None:
    values = default_values()

    class Broken(Rows):
        def rows(self, event: Event) -> Iterator[dict[str, Any]]:
            raise ValueError("bad event")

    events = runtime(
        [Ticker(values)],
        [Broken(values, "broken_events", "ticker"), Rows(values, "tick_events", "ticker")],
        recorder,
        values,
    )
    events.start()
    try:
        assert wait_for(lambda: events.store.stats("tick_events")["added"] > 5)
        broken = next(r for r in events.describe() if r["name"] == "broken_events")
        assert broken["dropped"] > 0 and broken["last_error"] == "ValueError: bad event"
        assert recorder.text("error") == [
            "Event subscriber broken_events failed: ValueError: bad event"
        ]
    finally:
        events.stop(timeout=1)
