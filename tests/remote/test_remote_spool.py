"""The durable spool: order, acks, caps with counted drops, restarts, pacing, its rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hostql.daemon.state import BackingStore
from hostql.daemon.status import StatusLog
from hostql.remote import spool as spool_module
from hostql.remote.spool import Pacer, RowCodec, Spool, line_size, queue_rows


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


def test_lost_state_record_is_rebuilt_from_the_rows(tmp_path: Path) -> None:
    store = BackingStore.in_memory()
    spool = make(store, "rebuilt")
    spool.append(["ab", "cd"])
    spool.append(["ef", "gh"])
    spool.ack(spool.peek(3, 0)[-1][0])
    store.delete("logs", "spoolstate.rebuilt")
    again = make(store, "rebuilt")
    # The row holding the head comes back whole: at-least-once, never a loss.
    assert [line for _, line in again.peek(10, 0)] == ["ef", "gh"]
    assert again.stats().queued_bytes == 4


def test_lines_beyond_the_memory_cache_are_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool_module, "CACHE_LINES", 2)
    spool = make(BackingStore.in_memory(), max_bytes=7)
    spool.append(["a", "b"])
    spool.append(["c"])  # beyond the cache: only in the store
    spool.append(["d", "e"])
    assert [line for _, line in spool.peek(10, 0)] == list("abcde")
    spool.append(["fff"])  # 8 bytes > 7: drops "a"
    assert [line for _, line in spool.peek(10, 0)] == ["b", "c", "d", "e", "fff"]
    spool.ack(spool.peek(2, 0)[-1][0])
    assert spool.stats().queued_bytes == 5
    assert [line for _, line in make(spool.store).peek(10, 0)] == ["d", "e", "fff"]


def test_a_backlog_is_read_back_a_few_rows_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool_module, "CACHE_LINES", 10)
    store = BackingStore.in_memory()
    spool = make(store, "backlog")
    for run in range(100):
        spool.append([f"{run}.{i}" for i in range(10)])
    reads: list[int | None] = []
    scan = store.scan

    def counted(*args: object, **kwargs: object) -> object:
        reads.append(kwargs.get("limit"))  # type: ignore[arg-type]
        return scan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "scan", counted)
    sent: list[str] = []
    while batch := spool.peek(25, 0):
        sent += [line for _, line in batch]
        spool.ack(batch[-1][0], durable=False)
    assert sent == [f"{run}.{i}" for run in range(100) for i in range(10)]
    assert reads and all(limit is not None and limit <= 4 for limit in reads)
    spool.sync()
    assert list(scan("logs", "spool.backlog.")) == []


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
    spool.append(["a", "b", "c"])
    spool.append(["d"])
    spool.ack(spool.peek(2, 0)[-1][0], durable=False)
    assert spool.stats().queued_lines == 2
    store.close()  # a crash: the deferred ack was never committed
    store = BackingStore.open(path)
    spool = make(store, "deferred")
    assert [line for _, line in spool.peek(10, 0)] == ["a", "b", "c", "d"]
    spool.ack(spool.peek(3, 0)[-1][0], durable=False)
    spool.sync()
    store.close()
    store = BackingStore.open(path)
    assert [line for _, line in make(store, "deferred").peek(10, 0)] == ["d"]
    # The row of a, b, c is gone once all of it is acknowledged; d's row remains.
    assert [key for key, _ in store.scan("logs", "spool.deferred.")] == [
        "spool.deferred.00000000000000000003"
    ]
    store.close()


def test_an_append_commits_deferred_acks_with_it() -> None:
    store = BackingStore.in_memory()
    spool = make(store, "piggyback")
    spool.append(["a", "b"])
    spool.append(["c"])
    spool.ack(spool.peek(2, 0)[-1][0], durable=False)
    spool.append(["d"])
    assert [key for key, _ in store.scan("logs", "spool.piggyback.")] == [
        "spool.piggyback.00000000000000000002",
        "spool.piggyback.00000000000000000003",
    ]
    assert [line for _, line in make(store, "piggyback").peek(10, 0)] == ["c", "d"]


def test_one_row_per_append_and_a_partial_ack_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = BackingStore.open(path)
    spool = make(store, "rows")
    spool.append([f"line {i}" for i in range(100)])
    spool.append(["last"])
    assert len(list(store.scan("logs", "spool.rows."))) == 2
    spool.ack(spool.peek(40, 0)[-1][0])  # ends inside the first row
    store.close()
    store = BackingStore.open(path)
    again = make(store, "rows")
    batch = again.peek(1000, 0)
    assert [line for _, line in batch] == [f"line {i}" for i in range(40, 100)] + ["last"]
    assert batch[0][0] == 40
    assert again.stats().queued_bytes == 60 * 7 + 4
    store.close()


def test_a_drop_at_the_cap_can_split_a_row(tmp_path: Path) -> None:
    status = quiet_status()
    path = tmp_path / "db.sqlite"
    store = BackingStore.open(path)
    spool = Spool(store, "split", max_lines=5, max_bytes=0, status=status)
    spool.append(["1", "2", "3", "4"])
    spool.append(["5", "6", "7"])
    assert [line for _, line in spool.peek(10, 0)] == ["3", "4", "5", "6", "7"]
    spool.append(["8", "9", "10", "11"])  # drops 3..6: the first row wholly, the second in part
    assert [line for _, line in spool.peek(10, 0)] == ["7", "8", "9", "10", "11"]
    assert spool.stats().dropped == 6
    assert len(status.drain()) == 1, "one ERROR a minute per sink"
    assert [key for key, _ in store.scan("logs", "spool.split.")] == [
        "spool.split.00000000000000000004",
        "spool.split.00000000000000000007",
    ]
    store.close()
    store = BackingStore.open(path)
    again = Spool(store, "split", max_lines=5, max_bytes=0, status=status)
    assert [line for _, line in again.peek(10, 0)] == ["7", "8", "9", "10", "11"]
    assert again.stats().dropped == 6
    store.close()


def test_a_byte_cap_over_rows_read_back_drops_exactly_enough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spool_module, "CACHE_LINES", 1)
    spool = make(BackingStore.in_memory(), "bytes", max_bytes=20)
    spool.append(["aaaa", "bbbb", "cccc"])
    spool.append(["dddd", "éé"])  # é costs 2 bytes: 16 + 4 = 20, at the cap
    spool.append(["x"])
    assert [line for _, line in spool.peek(10, 0)] == ["bbbb", "cccc", "dddd", "éé", "x"]
    assert spool.stats().queued_bytes == 17 and spool.stats().dropped == 1


def test_rows_are_compressed_and_any_line_round_trips() -> None:
    store = BackingStore.in_memory()
    spool = make(store, "codec")
    json_lines = [
        f'{{"name":"pack_q","counter":{i},"columns":{{"x":"{"y" * 50}"}}}}' for i in range(50)
    ]
    odd = ["two\nlines", "", "é ünï €", "x;y,z:1", "\n"]
    spool.append(json_lines)
    spool.append(odd)
    spool.append(["short"])
    values = [value for _, value in store.scan("logs", "spool.codec.")]
    assert values[0].startswith("1000z") and len(values[0]) < len("".join(json_lines)) // 4
    assert values[2] == "1000:short"
    again = make(store, "codec")
    assert [line for _, line in again.peek(100, 0)] == [*json_lines, *odd, "short"]
    assert again.stats().queued_bytes == sum(map(line_size, [*json_lines, *odd, "short"]))


def test_row_values_decode_to_their_lines() -> None:
    codec = RowCodec()
    for lines in (["a"], ["a", "b"], ["", ""], ["a\nb", "c"], ["é" * 600], ["x" * 10] * 200):
        assert codec.decode(codec.encode(7, lines)) == (7, lines)
    assert codec.decode("12:one line; with: colons") == (12, ["one line; with: colons"])
    # A damaged row is delivered as it is, never dropped unseen.
    assert codec.decode("12zbm90IHpzdGQ=") == (12, ["12zbm90IHpzdGQ="])
    assert codec.decode("12;3,9;abc") == (12, ["12;3,9;abc"])


def test_a_store_of_one_row_per_line_is_read_as_before() -> None:
    store = BackingStore.in_memory()
    store.put_many(
        "logs",
        {
            "spool.legacy.00000000000000000004": "900:four",
            "spool.legacy.00000000000000000005": "901:five",
            "spoolstate.legacy": '{"head":4,"next":6,"bytes":8,"dropped":2,"last_error":""}',
        },
    )
    spool = make(store, "legacy")
    assert spool.peek(10, 0) == [(4, "four"), (5, "five")]
    assert spool.stats().oldest_unix_time == 900 and spool.stats().dropped == 2


_APPENDER = textwrap.dedent(
    """
    import sys
    from hostql.daemon.state import BackingStore
    from hostql.daemon.status import StatusLog
    from hostql.remote.spool import Spool

    store = BackingStore.open(sys.argv[1])
    spool = Spool(store, "crash", max_lines=0, max_bytes=0, status=StatusLog(to_stderr=False))
    run = 0
    while True:
        spool.append([f"{run}.{i}" for i in range(50)])
        if run % 3 == 2:
            batch = spool.peek(70, 0)
            spool.ack(batch[-1][0], durable=run % 2 == 0)
        print(run, flush=True)
        run += 1
    """
)


def test_kill_9_mid_append_loses_no_committed_line(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    child = subprocess.Popen(
        [sys.executable, "-c", _APPENDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    committed = -1
    try:
        for line in child.stdout:
            committed = int(line)
            if committed >= 200:
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    store = BackingStore.open(path)
    spool = make(store, "crash")
    queued = [line for _, line in spool.peek(1_000_000, 0)]
    expected = [f"{run}.{i}" for run in range(committed + 100) for i in range(50)]
    start = expected.index(queued[0])
    # In order and without a gap, through every run whose commit was reported (and maybe more).
    assert queued == expected[start : start + len(queued)]
    last_run, last_index = (int(part) for part in queued[-1].split("."))
    assert last_run >= committed and last_index == 49
    assert spool.stats().queued_lines == len(queued)
    store.close()


def test_a_row_missing_from_a_damaged_store_is_skipped() -> None:
    store = BackingStore.in_memory()
    spool = make(store, "gap")
    for run in range(3):
        spool.append([f"{run}.{i}" for i in range(3)])
    store.delete("logs", "spool.gap.00000000000000000003")
    again = make(store, "gap")
    batch = again.peek(10, 0)
    assert [line for _, line in batch] == ["0.0", "0.1", "0.2", "2.0", "2.1", "2.2"]
    again.ack(batch[-1][0])
    assert again.stats().queued_lines == 0 and again.stats().queued_bytes == 0
    assert list(store.scan("logs", "spool.gap.")) == []
