"""The event store: stamping, time-range reads, events_max, events_expiry, optimize marks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from event_fakes import Clock, Recorder

from hostql.daemon.state import BackingStore
from hostql.events.store import (
    CHECKPOINT,
    EventStore,
    MemoryStore,
    add_eid,
    format_ranges,
    min_expiry,
    parse_ranges,
)
from hostql.flags import FlagValues, default_values


class CountingStore(MemoryStore):
    """A MemoryStore that counts point reads of event rows."""

    def __init__(self) -> None:
        super().__init__()
        self.row_gets = 0

    def get(self, domain: str, key: str) -> str | None:
        if key.startswith("data."):
            self.row_gets += 1
        return super().get(domain, key)


def make(
    backing: object | None = None,
    *,
    daemon: bool = False,
    clock: Clock | None = None,
    recorder: Recorder | None = None,
    **flags: object,
) -> tuple[EventStore, FlagValues]:
    values = default_values()
    for name, value in flags.items():
        values.set(name, value)
    store = EventStore(
        backing or MemoryStore(),  # type: ignore[arg-type]
        values,
        recorder or Recorder(),
        daemon=daemon,
        clock=clock or Clock(1_000),
    )
    store.register("inotify", "file_events")
    return store, values


def rows_at(times: list[int]) -> Iterator[tuple[int, dict[str, object]]]:
    for index, stamp in enumerate(times):
        yield stamp, {"n": index}


def test_range_helpers() -> None:
    ranges: list[tuple[int, int]] = []
    for eid in (1, 2, 3, 7, 8):
        add_eid(ranges, eid)
    assert ranges == [(1, 3), (7, 8)]
    assert parse_ranges(format_ranges(ranges)) == ranges
    assert parse_ranges("1-2,x,3-") == [(1, 2)]
    assert min_expiry(300) == 960 and min_expiry(10) == 60 and min_expiry(20) == 120


def test_rows_are_stamped_and_read_oldest_first() -> None:
    store, _ = make()
    assert store.add("file_events", rows_at([100, 100, 101])) == 3
    assert list(store.rows("file_events")) == [
        {"n": 0, "time": 100, "eid": "0000000001"},
        {"n": 1, "time": 100, "eid": "0000000002"},
        {"n": 2, "time": 101, "eid": "0000000003"},
    ]
    assert list(store.rows("file_events")) != []  # the shell reads everything each time
    assert list(store.rows("no_such_table")) == []
    assert store.stats("file_events")["buffered"] == 3


def test_time_ranges_read_only_their_batches() -> None:
    backing = CountingStore()
    store, _ = make(backing)
    store.add("file_events", rows_at([t for t in range(100, 200) for _ in range(5)]))
    found = list(store.rows("file_events", 150, 152))
    assert {r["time"] for r in found} == {150, 151, 152} and len(found) == 15
    assert backing.row_gets == 15
    assert [r["time"] for r in store.rows("file_events", 199, 0)] == [199] * 5
    assert [r["time"] for r in store.rows("file_events", 0, 100)] == [100] * 5
    assert list(store.rows("file_events", 160, 150)) == []


def test_events_max_drops_the_oldest_batches_with_osquery_warning() -> None:
    recorder = Recorder()
    store, _ = make(recorder=recorder, events_max=3, events_expiry=0)
    store.add("file_events", rows_at([10 + i // 64 for i in range(CHECKPOINT)]))
    assert sorted({r["time"] for r in store.rows("file_events")}) == [11, 12, 13]
    assert store.stats("file_events")["evicted"] == 64
    assert recorder.text("warning") == [
        "Removed 1 event batches for subscriber: inotify.file_events (limit: 3, last query: never)"
    ]


def test_expiry_keeps_recent_batches_and_always_the_newest() -> None:
    clock = Clock(10_000)
    store, _ = make(clock=clock, events_expiry=100, events_max=0)
    store.add("file_events", rows_at([9_800, 9_950] + [9_990] * (CHECKPOINT - 2)))
    assert sorted({r["time"] for r in store.rows("file_events")}) == [9_950, 9_990]
    assert store.stats("file_events")["expired"] == 1
    clock.now = 50_000
    list(store.rows("file_events"))  # a shell read expires against now
    assert sorted({r["time"] for r in store.rows("file_events")}) == [9_990]


def test_scheduled_readers_raise_the_expiry(recorder: Recorder) -> None:
    store, _ = make(recorder=recorder, events_expiry=600)
    store.configure_readers([("q", "SELECT * FROM File_Events", 300), ("p", "select 1", 10)])
    assert recorder.text("info") == [
        "The minimum events expiration timeout for file_events has been adjusted: 960"
    ]
    assert store._expiry(store._subs["file_events"]) == 960


def test_optimize_gives_each_scheduled_query_only_new_rows() -> None:
    backing = MemoryStore()
    store, _ = make(backing, daemon=True)
    store.add("file_events", rows_at([100, 100]))
    with store.reading_as("q1") as reading:
        assert [r["n"] for r in store.rows("file_events")] == [0, 1]
    assert reading.evented  # the executor logs such results without a differential
    with store.reading_as("q0") as reading:
        pass
    assert not reading.evented
    store.add("file_events", rows_at([100, 101]))
    with store.reading_as("q1"):
        assert [r["n"] for r in store.rows("file_events")] == [0, 1]  # the two new rows
    with store.reading_as("q1"):
        assert list(store.rows("file_events")) == []
    with store.reading_as("q2"):
        assert len(list(store.rows("file_events"))) == 4
    with store.reading_as("q1"):
        # A time constraint disables the optimisation.
        assert len(list(store.rows("file_events", 100, 0, optimize=False))) == 4
    assert backing.get("events", "optimize.file_events.q1") == "101:4"


def test_a_failed_run_reads_the_same_rows_again() -> None:
    store, _ = make(daemon=True)
    store.add("file_events", rows_at([100, 101]))
    with pytest.raises(RuntimeError), store.reading_as("q"):
        assert len(list(store.rows("file_events"))) == 2
        raise RuntimeError("query cancelled")
    with store.reading_as("q"):
        assert len(list(store.rows("file_events"))) == 2


def test_without_the_hook_the_executing_query_is_the_reader() -> None:
    backing = MemoryStore()
    store, values = make(backing, daemon=True)
    store.add("file_events", rows_at([100]))
    backing.put_many("configurations", {"executing_query": "sched"})
    assert len(list(store.rows("file_events"))) == 1
    assert list(store.rows("file_events")) == []
    backing.put_many("configurations", {"executing_query": ""})
    assert len(list(store.rows("file_events"))) == 1  # not a scheduled run
    values.set("events_optimize", False)
    backing.put_many("configurations", {"executing_query": "sched"})
    assert len(list(store.rows("file_events"))) == 1


def test_rows_removed_before_scheduled_readers_saw_them_count_as_lost(recorder: Recorder) -> None:
    store, _ = make(daemon=True, recorder=recorder, events_max=1, events_expiry=0)
    store.configure_readers([("q", "select * from file_events", 10)])
    store.add("file_events", rows_at([1]))
    with store.reading_as("q"):
        assert len(list(store.rows("file_events"))) == 1
    store.add("file_events", rows_at([2] * 10 + [3] * (CHECKPOINT - 11)))
    stats = store.stats("file_events")
    assert stats["evicted"] == 11 and stats["lost"] == 10
    assert any(
        line.startswith("10 file_events events were removed before every scheduled query")
        for line in recorder.text("warning")
    )


def test_select_time_expiry_waits_for_every_scheduled_reader() -> None:
    clock = Clock(10_000)
    store, _ = make(daemon=True, clock=clock, events_expiry=60, events_max=0)
    store.configure_readers(
        [("a", "select * from file_events", 10), ("b", "select * from file_events", 10)]
    )
    store.add("file_events", rows_at([1_000, 9_999]))
    clock.now = 20_000
    with store.reading_as("a"):
        list(store.rows("file_events"))
    with store.reading_as("a"):
        list(store.rows("file_events"))
    assert store.stats("file_events")["expired"] == 0  # b has not run yet
    with store.reading_as("b"):
        assert len(list(store.rows("file_events"))) == 2
    with store.reading_as("b"):
        list(store.rows("file_events"))
    # Both have now read up to 9999: age is measured from there, so 1000 goes.
    assert store.stats("file_events")["expired"] == 1


def test_events_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db" / "hostql.db"
    backing = BackingStore.open(path)
    store, _ = make(backing, clock=Clock(2_000), events_expiry=0)
    store.add("file_events", rows_at([1_000, 1_001, 1_001]))
    backing.close()
    backing = BackingStore.open(path)
    store, _ = make(backing, clock=Clock(2_000), events_expiry=0)
    assert [r["eid"] for r in store.rows("file_events", 1_001, 0)] == ["0000000002", "0000000003"]
    store.add("file_events", rows_at([1_002]))
    assert [r["eid"] for r in store.rows("file_events")][-1] == "0000000004"
    assert backing.get("events", "index.inotify.file_events.0000001001") == "2-3"
    backing.close()
    # A restart with a shorter expiry trims at registration, as osquery's setUp.
    backing = BackingStore.open(path)
    store, _ = make(backing, clock=Clock(2_000), events_expiry=1_000)
    assert [r["time"] for r in store.rows("file_events")] == [1_001, 1_001, 1_002]
    backing.close()
