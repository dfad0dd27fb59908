"""The events runtime: each publisher on its own threads, fired events queued to subscribers.

Per publisher there are two threads. The *run* thread calls ``setup`` and ``run(stop)``;
when ``run`` raises it tears down and retries with exponential backoff (each restart
counts in ``refreshes``). ``fire`` only timestamps the event and puts it on a bounded
queue, so a source is drained as fast as it can be read; when the queue is full the event
is counted in ``dropped``. The *dispatch* thread takes events off the queue, turns them
into rows with each enabled subscriber and buffers them in the EventStore in batches.
A slow or failing publisher or subscriber thus never stalls the scheduler or another one.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hostql.events.base import Event, Publisher, PublisherError, Row, Subscriber

if TYPE_CHECKING:
    from hostql.daemon.config.model import Config
    from hostql.events.store import EventStore, StatusSink
    from hostql.flags import FlagValues

_BATCH = 2048
_LOSS_COUNTERS = ("dropped", "lost", "queue_overflows", "watch_failures")


class PublisherState:
    """One publisher and the threads, queue and health the runtime keeps for it."""

    def __init__(self, publisher: Publisher, queue_max: int) -> None:
        self.publisher = publisher
        self.queue: queue.SimpleQueue[tuple[int, Event]] = queue.SimpleQueue()
        self.queue_max = queue_max
        self.active = False
        self.last_error = ""
        self.threads: list[threading.Thread] = []
        self.reported: dict[str, int] = {}


class SubscriberState:
    """One subscriber: enabled or paused, and its error count."""

    def __init__(self, subscriber: Subscriber) -> None:
        self.subscriber = subscriber
        self.enabled = True
        self.reason = ""
        self.errors = 0
        self.last_error = ""


class EventRuntime:
    """Runs publishers and dispatches their events to subscribers and the store."""

    def __init__(
        self,
        values: FlagValues,
        store: EventStore,
        status: StatusSink,
        publishers: Iterable[Publisher],
        subscribers: Iterable[Subscriber],
        *,
        backoff: tuple[float, float] = (1.0, 60.0),
    ) -> None:
        self.values = values
        self.store = store
        self.status = status
        self.backoff = backoff
        self.stop_event = threading.Event()
        queue_max = int(values["events_queue_max"]) or 100_000
        self.publishers = {p.name: PublisherState(p, queue_max) for p in publishers}
        self.subscribers = {s.name: SubscriberState(s) for s in subscribers}
        for name, state in self.subscribers.items():
            sub = state.subscriber
            store.register(
                sub.publisher,
                name,
                expiry_flag=getattr(sub, "expiry_flag", "events_expiry"),
                max_flag=getattr(sub, "max_flag", "events_max"),
            )
        for state in self.publishers.values():
            state.publisher.fire = self._firer(state)
            if hasattr(state.publisher, "status"):
                state.publisher.status = status  # type: ignore[attr-defined]
        store.describe = self.describe

    # -- configuration --------------------------------------------------------------------

    def configure(self, config: Config, schedule: Iterable[tuple[str, str, int]] = ()) -> None:
        """Apply a config: toggle subscribers, configure them, then their publishers."""
        events = getattr(config, "events", {}) or {}
        enable = set(events.get("enable_subscribers", ()))
        disable = set(events.get("disable_subscribers", ()))
        for name, state in self.subscribers.items():
            sub = state.subscriber
            default = bool(getattr(sub, "enabled_by_default", True))
            # Explicit enabling first, then disabling as the final word (osquery's order).
            enabled = (default or name in enable) and name not in disable
            reason = "" if enabled else "Subscriber disabled via configuration"
            if enabled and name not in disable:
                refusal = getattr(sub, "refusal", None)
                reason = refusal() if callable(refusal) else ""
            state.enabled, state.reason = not reason, reason
            configure = getattr(sub, "configure", None)
            if callable(configure):
                try:
                    configure(config)
                except Exception as exc:  # one bad subscriber must not stop the others
                    self._subscriber_failed(state, exc)
        self.store.configure_readers(list(schedule))
        for state in self.publishers.values():
            mine = [
                s.subscriber
                for s in self.subscribers.values()
                if s.enabled and s.subscriber.publisher == state.publisher.name
            ]
            try:
                state.publisher.configure(config, mine)
            except Exception as exc:
                state.last_error = f"{type(exc).__name__}: {exc}"
                self.status.error(f"Cannot configure event publisher {state.publisher.name}: {exc}")

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start every publisher's run and dispatch threads."""
        self.store.running = True
        for state in self.publishers.values():
            name = state.publisher.name
            for target, role in ((self._run_loop, "run"), (self._dispatch_loop, "dispatch")):
                thread = threading.Thread(
                    target=target, args=(state,), name=f"hostql-events-{name}-{role}", daemon=True
                )
                state.threads.append(thread)
                thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the publishers, store what is queued, and wait for the threads."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for state in self.publishers.values():
            for thread in state.threads:
                thread.join(max(0.0, deadline - time.monotonic()))
        self.store.running = False

    def step(self, now: float) -> None:
        """Report new losses (dropped, overflowed, unwatched) as status warnings."""
        for state in self.publishers.values():
            publisher = state.publisher
            with publisher.lock:
                counters = dict(publisher.counters)
            for counter in _LOSS_COUNTERS:
                value = counters.get(counter, 0)
                new = value - state.reported.get(counter, 0)
                if new > 0:
                    state.reported[counter] = value
                    self.status.warning(_loss_message(publisher.name, counter, new, value))

    # -- threads --------------------------------------------------------------------------

    def _firer(self, state: PublisherState) -> Any:
        put, size, limit = state.queue.put, state.queue.qsize, state.queue_max
        publisher = state.publisher

        def fire(event: Event) -> None:
            if size() >= limit:
                publisher.count("dropped")
                return
            put((int(time.time()), event))
            publisher.count("events")

        return fire

    def _run_loop(self, state: PublisherState) -> None:
        publisher = state.publisher
        stop = self.stop_event
        delay = self.backoff[0]
        first = True
        reported = ""
        while not stop.is_set():
            if not first:
                publisher.count("refreshes")
            first = False
            began = time.monotonic()
            try:
                publisher.setup()
            except PublisherError as exc:
                if str(exc) != reported:
                    reported = str(exc)
                    self.status.info(f"Event publisher not enabled: {publisher.name}: {exc}")
                state.last_error = str(exc)
                self._teardown(state)
                stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            except Exception as exc:
                self._run_failed(state, exc, delay, "setup")
                stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            state.active = True
            try:
                publisher.run(stop)
                state.active = False
                self._teardown(state)
                if not stop.is_set():
                    # Returned without being asked to: osquery's 200 ms run-loop cool-off.
                    stop.wait(0.2)
                continue
            except Exception as exc:
                state.active = False
                self._teardown(state)
                if time.monotonic() - began > self.backoff[1]:
                    delay = self.backoff[0]  # it ran well for a while: start over
                self._run_failed(state, exc, delay, "run")
                stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])

    def _teardown(self, state: PublisherState) -> None:
        try:
            state.publisher.teardown()
        except Exception as exc:
            self.status.error(f"Event publisher {state.publisher.name} teardown failed: {exc}")

    def _run_failed(self, state: PublisherState, exc: Exception, delay: float, phase: str) -> None:
        reason = str(exc) if isinstance(exc, PublisherError) else f"{type(exc).__name__}: {exc}"
        state.last_error = reason
        self.status.error(
            f"Event publisher {state.publisher.name} {phase} failed: {reason}; "
            f"restarting in {delay:g} s"
        )

    def _dispatch_loop(self, state: PublisherState) -> None:
        get = state.queue.get
        while True:
            try:
                batch = [get(timeout=0.2)]
            except queue.Empty:
                if self.stop_event.is_set() and not any(t.is_alive() for t in state.threads[:1]):
                    return
                continue
            while len(batch) < _BATCH:
                try:
                    batch.append(state.queue.get_nowait())
                except queue.Empty:
                    break
            self._deliver(state, batch)

    def _deliver(self, state: PublisherState, batch: list[tuple[int, Event]]) -> None:
        name = state.publisher.name
        for sub_state in self.subscribers.values():
            sub = sub_state.subscriber
            if sub.publisher != name or not sub_state.enabled:
                continue
            rows: list[tuple[int, Row]] = []
            for stamp, event in batch:
                try:
                    rows.extend((stamp, row) for row in sub.rows(event))
                except Exception as exc:
                    self._subscriber_failed(sub_state, exc)
            if not rows:
                continue
            try:
                self.store.add(sub.name, rows)
            except Exception as exc:  # a full disk must not kill the dispatcher
                sub_state.errors += len(rows)
                sub_state.last_error = f"Cannot store events: {exc}"
                self.status.error(f"Cannot store {len(rows)} {sub.name} events: {exc}")

    def _subscriber_failed(self, state: SubscriberState, exc: Exception) -> None:
        state.errors += 1
        reason = f"{type(exc).__name__}: {exc}"
        if reason != state.last_error:
            self.status.error(f"Event subscriber {state.subscriber.name} failed: {reason}")
        state.last_error = reason

    # -- introspection --------------------------------------------------------------------

    def describe(self) -> list[Row]:
        """osquery_events rows: publishers then subscribers, with hostql's loss counters."""
        rows: list[Row] = []
        for state in self.publishers.values():
            publisher = state.publisher
            with publisher.lock:
                counters = dict(publisher.counters)
            rows.append(
                {
                    "name": publisher.name,
                    "publisher": publisher.name,
                    "type": "publisher",
                    "subscriptions": int(getattr(publisher, "subscriptions", 0)),
                    "events": counters.get("events", 0),
                    "refreshes": counters.get("refreshes", 0),
                    "active": int(state.active),
                    "dropped": counters.get("dropped", 0),
                    "lost": counters.get("lost", 0),
                    "queue_overflows": counters.get("queue_overflows", 0),
                    "buffered": state.queue.qsize(),
                    "last_error": state.last_error,
                    "counters": json.dumps(counters, sort_keys=True),
                }
            )
        for name, sub_state in self.subscribers.items():
            sub = sub_state.subscriber
            stats = self.store.stats(name)
            publisher_state = self.publishers.get(sub.publisher)
            rows.append(
                {
                    "name": name,
                    "publisher": sub.publisher,
                    "type": "subscriber",
                    "subscriptions": int(getattr(sub, "subscriptions", 0)),
                    "events": stats.get("added", 0),
                    "refreshes": 0,
                    "active": int(sub_state.enabled and publisher_state is not None),
                    "dropped": sub_state.errors,
                    "lost": stats.get("lost", 0),
                    "expired": stats.get("expired", 0),
                    "evicted": stats.get("evicted", 0),
                    "buffered": stats.get("buffered", 0),
                    "last_error": sub_state.last_error or sub_state.reason,
                    "counters": json.dumps(stats, sort_keys=True),
                }
            )
        return rows


def _loss_message(publisher: str, counter: str, new: int, total: int) -> str:
    reasons = {
        "dropped": "the event queue was full (--events_queue_max)",
        "lost": "the source reported them lost",
        "queue_overflows": "the kernel event queue overflowed",
        "watch_failures": "paths could not be watched",
    }
    what = "watches failed" if counter == "watch_failures" else "events lost"
    if counter == "queue_overflows":
        what = "queue overflows (events lost)"
    return (
        f"Event publisher {publisher}: {new} {what} since the last report "
        f"({total} in all): {reasons[counter]}"
    )
