"""The durable spool: order, acks, caps with counted drops, restarts, pacing."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.daemon.state import BackingStore
from hostql.daemon.status import StatusLog
from hostql.remote import spool as spool_module
from hostql.remote.spool import Pacer, Spool, line_size, queue_rows


def quiet_status() -> StatusLog:
    return StatusLog(to_stderr=False)


def make(store: BackingStore, sink: str = "test", **caps: int) -> Spool:
    return Spool(
        store,
        sink,
        max_lines=caps.get("max_lines", 0),
        max_bytes=caps.get("max_bytes", 0),
        status=quiet_status(),
        clock=lambda: 1_000,
    )


def test_lines_come_back_oldest_first_and_ack_removes_them() -> None:
    spool = make(BackingStore.in_memory())
    spool.append(["a", "b", "c"])
    spool.append(["d"])
    batch = spool.peek(3, 0)
    assert [line for _, line in batch] == ["a", "b", "c"]
    spool.ack(batch[-1][0])
    assert [line for _, line in spool.peek(10, 0)] == ["d"]
    assert spool.stats().queued_lines == 1
    assert spool.stats().queued_bytes == 1


def test_peek_respects_the_byte_limit_but_always_returns_one_line() -> None:
    spool = make(BackingStore.in_memory())
    spool.append(["x" * 10, "y" * 10, "z"])
    assert [line for _, line in spool.peek(10, 15)] == ["x" * 10]
    spool.append(["w" * 100])
    spool.ack(spool.peek(3, 0)[-1][0])
    assert [line for _, line in spool.peek(10, 5)] == ["w" * 100]


def test_line_cap_drops_the_oldest_counts_and_logs_one_error() -> None:
    status = quiet_status()
    spool = Spool(BackingStore.in_memory(), "capped", max_lines=3, max_bytes=0, status=status)
    spool.append(["1", "2"])
    spool.append(["3", "4", "5"])
    assert [line for _, line in spool.peek(10, 0)] == ["3", "4", "5"]
    assert spool.stats().dropped == 2
    spool.append(["6"])
    errors = [entry.message for entry in status.drain()]
    assert len(errors) == 1, "further drops within a minute are summarised later"
    assert "capped" in errors[0] and "dropped the 2 oldest lines" in errors[0]
    assert spool.stats().dropped == 3


def test_byte_cap_drops_the_oldest_lines() -> None:
    spool = make(BackingStore.in_memory(), max_bytes=10)
    spool.append(["aaaa", "bbbb"])
    spool.append(["cccc"])
    assert [line for _, line in spool.peek(10, 0)] == ["bbbb", "cccc"]
    assert spool.stats().queued_bytes == 8
    # A line bigger than the whole cap can never be kept.
    spool.append(["z" * 11])
    assert [line for _, line in spool.peek(10, 0)] == ["bbbb", "cccc"]
    assert spool.stats().dropped == 2


def test_a_batch_larger_than_the_cap_keeps_its_newest_lines() -> None:
    spool = make(BackingStore.in_memory(), max_lines=2)
    spool.append(["old"])
    spool.append(["1", "2", "3"])
    assert [line for _, line in spool.peek(10, 0)] == ["2", "3"]
    assert spool.stats().dropped == 2


def test_queue_survives_a_reopen_of_the_store(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = BackingStore.open(path)
    spool = make(store, "durable")
    spool.append(["one", "two", "three"])
    spool.ack(spool.peek(1, 0)[0][0])
    spool.set_error("connection refused")
    store.close()
    del spool

    store = BackingStore.open(path)
    again = make(store, "durable")
    assert [line for _, line in again.peek(10, 0)] == ["two", "three"]
    stats = again.stats()
    assert (stats.queued_lines, stats.queued_bytes, stats.oldest_unix_time) == (2, 8, 1_000)
    assert stats.last_error == "connection refused"
    # Sequences keep growing across restarts: an ack never reaches lines appended later.
    again.append(["four"])
    assert [seq for seq, _ in again.peek(10, 0)] == [1, 2, 3]
    store.close()


def test_lost_state_record_is_rebuilt_from_the_lines(tmp_path: Path) -> None:
    store = BackingStore.in_memory()
    spool = make(store, "rebuilt")
    spool.append(["ab", "cd", "ef"])
    spool.ack(spool.peek(1, 0)[0][0])
    store.delete("logs", "spoolstate.rebuilt")
    again = make(store, "rebuilt")
    assert [line for _, line in again.peek(10, 0)] == ["cd", "ef"]
    assert again.stats().queued_bytes == 4


def test_lines_beyond_the_memory_cache_are_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool_module, "CACHE_LINES", 2)
    spool = make(BackingStore.in_memory(), max_bytes=7)
    spool.append(["a", "b", "c", "d", "e"])
    assert [line for _, line in spool.peek(10, 0)] == list("abcde")
    spool.append(["fff"])  # 8 bytes > 7: drops "a", whose size is read from the store
    assert [line for _, line in spool.peek(10, 0)] == ["b", "c", "d", "e", "fff"]
    spool.ack(spool.peek(2, 0)[-1][0])
    assert spool.stats().queued_bytes == 5


def test_utf8_lines_cost_their_encoded_size() -> None:
    assert line_size("é") == 2
    assert line_size("abc") == 3


def test_queue_rows_report_every_live_spool() -> None:
    spool = make(BackingStore.in_memory(), "rows_sink", max_lines=5)
    spool.append(["x"])
    spool.set_error("HTTP 500")
    row = next(r for r in queue_rows(now=1_030) if r["sink"] == "rows_sink")
    assert row["queued_lines"] == 1 and row["oldest_age"] == 30
    assert row["last_error"] == "HTTP 500" and row["max_lines"] == 5


def test_sink_names_cannot_collide_with_key_separators() -> None:
    with pytest.raises(ValueError):
        make(BackingStore.in_memory(), "a.b")


def test_pacer_limits_replay_only_while_recovering() -> None:
    now = [0.0]
    pacer = Pacer(100, 4.0, clock=lambda: now[0])
    assert pacer.allowance() is None
    pacer.failed()
    assert pacer.allowance() == 100
    pacer.sent(100)
    assert pacer.allowance() == 0
    assert pacer.wait_seconds() == pytest.approx(4.0)
    now[0] = 4.5
    assert pacer.allowance() == 100
    pacer.drained()
    assert pacer.allowance() is None


def test_deferred_acks_come_back_after_a_crash_until_synced(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = BackingStore.open(path)
    spool = make(store, "deferred")
    spool.append(["a", "b", "c", "d"])
    spool.ack(spool.peek(2, 0)[-1][0], durable=False)
    assert spool.stats().queued_lines == 2
    store.close()  # a crash: the deferred ack was never committed
    store = BackingStore.open(path)
    spool = make(store, "deferred")
    assert [line for _, line in spool.peek(10, 0)] == ["a", "b", "c", "d"]
    spool.ack(spool.peek(2, 0)[-1][0], durable=False)
    spool.sync()
    store.close()
    store = BackingStore.open(path)
    assert [line for _, line in make(store, "deferred").peek(10, 0)] == ["c", "d"]
    assert [key for key, _ in store.scan("logs", "spool.deferred.")] == [
        "spool.deferred.00000000000000000002",
        "spool.deferred.00000000000000000003",
    ]
    store.close()


def test_an_append_commits_deferred_acks_with_it() -> None:
    store = BackingStore.in_memory()
    spool = make(store, "piggyback")
    spool.append(["a", "b"])
    spool.ack(spool.peek(1, 0)[0][0], durable=False)
    spool.set_error("x")
    spool.append(["c"])
    assert next(k for k, _ in store.scan("logs", "spool.piggyback.")).endswith("1")
    assert make(store, "piggyback").stats().queued_lines == 2
