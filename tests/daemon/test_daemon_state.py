"""The backing store: key/value API, osquery's key names, crash safety and recovery."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import apsw
import pytest

from hostql.daemon.state import (
    APPLICATION_ID,
    DOMAINS,
    SIDECARS,
    BackingStore,
    BackingStoreError,
    PreviousResults,
    QueryPerformance,
)
from hostql.flags import default_values


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BackingStore:
    opened = (
        BackingStore.open(tmp_path / "osquery.db")
        if request.param == "file"
        else BackingStore.in_memory()
    )
    request.addfinalizer(opened.close)
    return opened


def test_fresh_store_holds_only_the_results_version(store: BackingStore) -> None:
    assert list(store.dump()) == ["configurations[results_version]: 2"]
    assert store.errors == []


def test_put_get_delete(store: BackingStore) -> None:
    store.put("queries", "a", "1")
    store.put("queries", "a", "2")
    assert store.get("queries", "a") == "2"
    assert store.get("events", "a") is None
    store.delete("queries", "a", "never-stored")
    assert store.get("queries", "a") is None


def test_scan_returns_prefixed_keys_in_byte_order(store: BackingStore) -> None:
    store.put_many("configurations", {"timestamp.b": "2", "timestamp.a": "1", "timestamq": "x"})
    store.put_many("configurations", [("interval.a", "60:61"), ("timestamp.é", "3")])
    assert list(store.scan("configurations", "timestamp.")) == [
        ("timestamp.a", "1"),
        ("timestamp.b", "2"),
        ("timestamp.é", "3"),
    ]
    assert [key for key, _ in store.scan("configurations")] == [
        "interval.a",
        "results_version",
        "timestamp.a",
        "timestamp.b",
        "timestamp.é",
        "timestamq",
    ]


def test_scan_reads_a_bounded_range(store: BackingStore) -> None:
    store.put_many("logs", {f"spool.a.{i:03d}": str(i) for i in range(10)})
    store.put_many("logs", {"spool.b.000": "other sink", "spool.a": "no dot", "spoolstate.a": "s"})
    keys = [key for key, _ in store.scan("logs", "spool.a.", start="spool.a.003", limit=4)]
    assert keys == ["spool.a.003", "spool.a.004", "spool.a.005", "spool.a.006"]
    assert [v for _, v in store.scan("logs", "spool.a.", stop="spool.a.002")] == ["0", "1"]
    assert [v for _, v in store.scan("logs", "spool.a.", start="spool.a.008")] == ["8", "9"]
    # A start before the prefix, or a stop past it, stays within the prefix.
    assert len(list(store.scan("logs", "spool.a.", start="a", stop="z"))) == 10
    assert list(store.scan("logs", "spool.a.", limit=0)) == []
    assert [k for k, _ in store.scan("logs", start="spool.b", limit=2)] == [
        "spool.b.000",
        "spoolstate.a",
    ]


def test_scan_bounds_prefixes_ending_in_the_last_code_points(store: BackingStore) -> None:
    store.put_many("events", {"a\U0010ffffx": "1", "a\U0010ffff": "2", "b": "3", "a\ud7ffz": "4"})
    store.put("events", "a\ue000", "5")
    assert [v for _, v in store.scan("events", "a\U0010ffff")] == ["2", "1"]
    assert [v for _, v in store.scan("events", "a\ud7ff")] == ["4"]
    assert [v for _, v in store.scan("events", "\U0010ffff")] == []


def test_file_stores_use_wal_with_normal_sync(tmp_path: Path) -> None:
    store = BackingStore.open(tmp_path / "osquery.db")
    try:
        assert list(store._conn.execute("PRAGMA journal_mode")) == [("wal",)]
        assert list(store._conn.execute("PRAGMA synchronous")) == [(1,)]  # NORMAL
    finally:
        store.close()


def test_dump_prints_domains_in_osquery_order(store: BackingStore) -> None:
    store.put("query_performance", "q", "1,2,3,4,5,6,7,8,9,10,11,12,0")
    store.put("queries", "q", "[]")
    store.put("events", "e", "v")
    assert list(store.dump()) == [
        "configurations[results_version]: 2",
        "queries[q]: []",
        "events[e]: v",
        "query_performance[q]: 1,2,3,4,5,6,7,8,9,10,11,12,0",
    ]
    assert DOMAINS[0] == "configurations" and len(DOMAINS) == 8


def test_unknown_domain_and_non_text_values_are_refused(store: BackingStore) -> None:
    with pytest.raises(ValueError, match="unknown backing store domain: 'cache'"):
        store.put("cache", "k", "v")
    with pytest.raises(TypeError, match="keys and values are text"):
        store.put("queries", "k", 3)  # type: ignore[arg-type]


def test_transaction_commits_all_or_nothing(store: BackingStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.put("queries", "x", "1")
        store.put("queries", "xcounter", "1")
        raise RuntimeError("crash between writes")
    assert store.get("queries", "x") is None
    assert store.get("queries", "xcounter") is None
    with store.transaction():
        store.put("queries", "x", "1")
        with store.transaction():
            store.put("queries", "xcounter", "1")
    assert store.get("queries", "xcounter") == "1"


def test_values_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state" / "osquery.db"
    first = BackingStore.open(path)
    first.put("configurations", "nodeKey", "abc")
    first.close()
    second = BackingStore.open(path)
    assert second.get("configurations", "nodeKey") == "abc"
    assert second.errors == []
    second.close()


def test_directory_is_created_private_and_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "osquery" / "osquery.db"
    BackingStore.open(path).close()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with apsw.Connection(str(path)) as conn:
        assert [r[0] for r in conn.execute("PRAGMA journal_mode")] == ["wal"]
        assert [r[0] for r in conn.execute("PRAGMA application_id")] == [APPLICATION_ID]


def test_unusable_directory_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    with pytest.raises(BackingStoreError, match="Cannot create backing store directory"):
        BackingStore.open(tmp_path / "afile" / "osquery.db")


def _assert_moved_aside(
    tmp_path: Path, store: BackingStore, why: str, caplog: pytest.LogCaptureFixture
) -> Path:
    aside = [
        p for p in tmp_path.iterdir() if ".corrupt-" in p.name and not p.name.endswith(SIDECARS)
    ]
    assert len(aside) == 1
    assert aside[0].name.startswith("osquery.db.corrupt-")
    assert len(aside[0].name) == len("osquery.db.corrupt-20261126-101500")
    assert list(store.dump()) == ["configurations[results_version]: 2"]
    [message] = store.errors
    assert message.startswith(f"Backing store {tmp_path / 'osquery.db'} {why}")
    assert message.endswith(f"moved it aside to {aside[0]} and created a fresh store")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [(logging.ERROR, message)]
    return aside[0]


def test_garbage_file_is_moved_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "osquery.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    (tmp_path / "osquery.db-wal").write_bytes(b"stale wal")
    store = BackingStore.open(path)
    aside = _assert_moved_aside(tmp_path, store, "is corrupt or not a database", caplog)
    assert aside.read_bytes() == b"this is not sqlite at all" * 100
    # A stale WAL must never be replayed into the fresh store.
    wal = tmp_path / "osquery.db-wal"
    assert not wal.exists() or wal.read_bytes() != b"stale wal"
    store.close()


def test_foreign_sqlite_file_is_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "osquery.db"
    conn = apsw.Connection(str(path))
    conn.execute("CREATE TABLE accounts(id); INSERT INTO accounts VALUES (42)")
    conn.close()
    store = BackingStore.open(path)
    aside = _assert_moved_aside(
        tmp_path, store, "is an SQLite database that hostql did not create", caplog
    )
    with apsw.Connection(str(aside)) as conn:
        assert list(conn.execute("SELECT id FROM accounts")) == [(42,)]
    store.close()


def test_store_from_a_newer_hostql_is_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "osquery.db"
    BackingStore.open(path).close()
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA user_version=99")
    conn.close()
    store = BackingStore.open(path)
    _assert_moved_aside(tmp_path, store, "has an unknown hostql store schema (version 99)", caplog)
    store.close()


def test_rocksdb_directory_is_moved_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "osquery.db"
    path.mkdir()
    (path / "CURRENT").write_text("MANIFEST-000001\n")
    store = BackingStore.open(path)
    aside = _assert_moved_aside(tmp_path, store, "is a directory (an osquery RocksDB?)", caplog)
    assert (aside / "CURRENT").read_text() == "MANIFEST-000001\n"
    store.close()


def test_damaged_pages_are_detected_and_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "osquery.db"
    store = BackingStore.open(path)
    store.put_many("queries", {f"q{i:04}": "x" * 200 for i in range(500)})
    store.close()
    size = path.stat().st_size
    with path.open("r+b") as handle:
        # Pages 2 onwards hold the table's b-tree; overwrite several of them with junk.
        handle.seek(4096)
        handle.write(b"\xa5" * min(size - 4096, 4096 * 8))
    reopened = BackingStore.open(path)
    _assert_moved_aside(tmp_path, reopened, "is corrupt or not a database", caplog)
    reopened.close()


_WRITER = textwrap.dedent(
    """
    import sys
    from hostql.daemon.state import BackingStore

    store = BackingStore.open(sys.argv[1])
    i = 0
    while True:
        with store.transaction():
            store.put_many("queries", {f"q{i}": "[" + "1," * 300 + "1]", f"q{i}counter": str(i)})
            store.put("configurations", "last", str(i))
        print(i, flush=True)
        i += 1
    """
)


def test_kill_9_mid_write_loses_no_committed_transaction(tmp_path: Path) -> None:
    path = tmp_path / "osquery.db"
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    committed = -1
    for line in child.stdout:
        committed = int(line)
        if committed >= 300:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    store = BackingStore.open(path)
    assert store.errors == []
    last = int(store.get("configurations", "last") or "-1")
    assert last >= committed
    for i in range(last + 1):
        assert store.get("queries", f"q{i}") == "[" + "1," * 300 + "1]"
        assert store.get("queries", f"q{i}counter") == str(i)
    # The transaction after the last committed one is either absent or whole, never half.
    assert store.get("queries", f"q{last + 1}counter") is None
    assert store.get("queries", f"q{last + 1}") is None
    store.close()
    with apsw.Connection(str(path)) as conn:
        assert list(conn.execute("PRAGMA integrity_check")) == [("ok",)]


def test_previous_results_round_trip(store: BackingStore) -> None:
    assert store.previous_results("pack_x_procs") == PreviousResults(None, None, None, None)
    rows = [{"pid": 1, "name": "init", "cpu": 0.5, "cmd": None}, {"pid": 2, "name": "é"}]
    store.save_results("pack_x_procs", rows, epoch=3, counter=0)
    store.save_query_sql("pack_x_procs", "SELECT pid, name FROM processes")
    assert store.get("queries", "pack_x_procs") == (
        '[{"cmd":null,"cpu":0.5,"name":"init","pid":1},{"name":"é","pid":2}]'
    )
    assert store.previous_results("pack_x_procs") == PreviousResults(
        rows=[{"cmd": None, "cpu": 0.5, "name": "init", "pid": 1}, {"name": "é", "pid": 2}],
        epoch=3,
        counter=0,
        sql="SELECT pid, name FROM processes",
    )
    assert [key for key, _ in store.scan("queries")] == [
        "pack_x_procs",
        "pack_x_procscounter",
        "pack_x_procsepoch",
        "query.pack_x_procs",
    ]


def test_forget_query_purges_everything_stored_for_it(store: BackingStore) -> None:
    store.save_results("old", [], epoch=0, counter=4)
    store.save_query_sql("old", "SELECT 1")
    store.save_splayed_interval("old", 60, 58)
    store.record_query_start("old", 1_000)
    store.save_performance("old", QueryPerformance(executions=1))
    store.save_results("kept", [], epoch=0, counter=0)
    store.forget_query("old")
    assert [line for line in store.dump() if "old" in line] == [
        "configurations[executing_query]: old"
    ]
    assert store.get("queries", "kept") == "[]"


def test_stale_queries_are_those_not_run_for_592200_seconds(store: BackingStore) -> None:
    now = 2_000_000
    store.record_query_start("fresh", now - 592_200)
    store.record_query_start("stale", now - 592_201)
    store.put("configurations", "timestamp.garbage", "not-a-number")
    assert store.stale_queries(now) == ["stale"]
    assert store.last_run("fresh") == now - 592_200
    assert store.last_run("never") is None


def test_splayed_interval_is_reused_only_for_the_same_interval(store: BackingStore) -> None:
    assert store.splayed_interval("q", 3600) is None
    store.save_splayed_interval("q", 3600, 3412)
    assert store.get("configurations", "interval.q") == "3600:3412"
    assert store.splayed_interval("q", 3600) == 3412
    assert store.splayed_interval("q", 60) is None
    store.put("configurations", "interval.q", "3600:0")
    assert store.splayed_interval("q", 3600) is None
    store.put("configurations", "interval.q", "garbage")
    assert store.splayed_interval("q", 3600) is None


def test_executing_query_mark(store: BackingStore) -> None:
    assert store.executing_query() == ""
    store.record_query_start("pack_p_q", 1_700_000_000)
    assert store.executing_query() == "pack_p_q"
    assert store.get("configurations", "timestamp.pack_p_q") == "1700000000"
    store.clear_executing_query()
    assert store.executing_query() == ""
    assert store.get("configurations", "executing_query") == ""


def test_denylist_uses_osquery_format_and_drops_expired(store: BackingStore) -> None:
    assert store.denylist(now=100) == {}
    store.save_denylist({"zeta": 500, "alpha": 150})
    assert store.get("configurations", "failed_queries") == "alpha:150:zeta:500"
    assert store.denylist(now=100) == {"alpha": 150, "zeta": 500}
    assert store.denylist(now=150) == {"zeta": 500}
    store.put("configurations", "failed_queries", "odd:1:count")
    assert store.denylist(now=0) == {}
    store.put("configurations", "failed_queries", "a:x:b:900")
    assert store.denylist(now=0) == {"b": 900}


def test_performance_is_osquery_csv_plus_timeouts(store: BackingStore) -> None:
    assert store.performance("q") == QueryPerformance()
    stats = QueryPerformance(
        executions=3,
        last_executed=1_700_000_000,
        wall_time=1,
        wall_time_ms=1500,
        last_wall_time_ms=400,
        user_time=30,
        last_user_time=10,
        system_time=6,
        last_system_time=2,
        average_memory=4096,
        last_memory=1024,
        output_size=900,
        timeouts=1,
    )
    store.save_performance("q", stats)
    assert store.get("query_performance", "q") == (
        "3,1700000000,1,1500,400,30,10,6,2,4096,1024,900,1"
    )
    assert store.performance("q") == stats
    # osquery's own 12-field CSV parses with zero timeouts; short text is ignored.
    assert QueryPerformance.from_csv("1,2,3,4,5,6,7,8,9,10,11,12").timeouts == 0
    assert QueryPerformance.from_csv("1,2,3,4,5,6,7,8,9,10,11,12").output_size == 12
    assert QueryPerformance.from_csv("1,2,3") == QueryPerformance()


def test_host_and_instance_uuids(tmp_path: Path) -> None:
    path = tmp_path / "osquery.db"
    store = BackingStore.open(path)
    assert store.host_uuid() is None
    store.save_host_uuid("4740d59c-2f71-4bc5-a7e2-0c0c5c0b7a49")
    instance = store.instance_uuid()
    assert len(instance) == 36 and instance.count("-") == 4
    assert store.instance_uuid() == instance
    store.close()
    store = BackingStore.open(path)
    assert store.host_uuid() == "4740d59c-2f71-4bc5-a7e2-0c0c5c0b7a49"
    assert store.get("configurations", "instance_uuid_v1") == instance
    store.close()


def test_from_flags_chooses_memory_or_file(tmp_path: Path) -> None:
    path = str(tmp_path / "db" / "osquery.db")
    values = default_values()
    values.set("database_path", path)
    on_disk = BackingStore.from_flags(values)
    assert on_disk.path == path
    on_disk.close()

    values.set("disable_database", True)
    assert BackingStore.from_flags(values).path is None

    ephemeral = default_values()
    ephemeral.set("ephemeral", True)
    assert BackingStore.from_flags(ephemeral).path is None
    ephemeral.set("database_path", path)
    with_path = BackingStore.from_flags(ephemeral)
    assert with_path.path == path
    with_path.close()


def test_store_locked_by_another_writer_is_an_error_not_a_recovery(tmp_path: Path) -> None:
    path = tmp_path / "osquery.db"
    BackingStore.open(path).close()
    holder = apsw.Connection(str(path))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # WAL: reading is never blocked by a writer.
        store = BackingStore.open(path, busy_timeout_ms=300)
        assert store.get("configurations", "results_version") == "2"
        started = time.monotonic()
        with pytest.raises(BackingStoreError, match=f"Cannot write backing store {path}: "):
            store.put("queries", "q", "[]")
        assert time.monotonic() - started >= 0.25  # waited out the busy timeout first
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.put("queries", "q", "[]")
    assert store.get("queries", "q") == "[]"
    assert [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name] == []
    store.close()
