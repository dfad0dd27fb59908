"""Distributed queries' pure core: read parsing, discovery, rows, write body, marks, pacing."""

from __future__ import annotations

import hashlib

import pytest

from hostql.daemon.state import BackingStore
from hostql.errors import SqlError
from hostql.remote.distributed_work import (
    ACCELERATED_INTERVAL,
    QueryOutcome,
    QueryStats,
    RunningMarks,
    Work,
    WorkError,
    cell_text,
    denylist_expired,
    parse_work,
    poll_delay,
    query_key,
    result_rows,
    run_discovery,
    wanted_queries,
    write_body,
)


def test_parse_work_reads_queries_discovery_and_accelerate() -> None:
    work = parse_work(
        {"queries": {"a": "select 1"}, "discovery": {"a": "select 2"}, "accelerate": 60}
    )
    assert work == Work({"a": "select 1"}, {"a": "select 2"}, 60)


def test_parse_work_of_an_empty_response_is_no_work() -> None:
    assert parse_work({}) == Work({}, {}, None)


@pytest.mark.parametrize("accelerate", ["60", 1.5, True, None])
def test_a_non_integer_accelerate_is_ignored(accelerate: object) -> None:
    assert parse_work({"accelerate": accelerate}).accelerate is None


@pytest.mark.parametrize(
    "response",
    [
        {"queries": {"a": 1}},
        {"queries": {"a": ""}},
        {"queries": {"": "select 1"}},
        {"queries": ["select 1"]},
        {"discovery": {"a": None}},
    ],
)
def test_a_malformed_entry_rejects_the_whole_read(response: dict) -> None:
    with pytest.raises(WorkError):
        parse_work(response)


def test_discovery_decides_which_queries_run() -> None:
    work = Work(
        {"free": "select 1", "yes": "select 2", "no": "select 3"},
        {"yes": "select 1", "no": "select 1 where 0", "orphan": "select 1"},
        None,
    )
    verdicts = run_discovery(work.discovery, lambda sql: "where 0" not in sql)
    assert verdicts == {"yes": True, "no": False, "orphan": True}
    assert wanted_queries(work, verdicts) == {"free": "select 1", "yes": "select 2"}


def test_a_discovery_sql_error_rejects_the_read() -> None:
    def failing(sql: str) -> bool:
        raise SqlError("no such table: nope")

    with pytest.raises(WorkError, match="SQL error"):
        run_discovery({"a": "select * from nope"}, failing)


def test_rows_are_strings_in_select_order() -> None:
    rows = result_rows(["z", "a", "n", "r", "b"], [(1, "x\x01", None, 1.5, b"\xff")], "NULL")
    assert rows == [{"z": "1", "a": "x\\x01", "n": "NULL", "r": "1.5", "b": "\\xFF"}]
    assert list(rows[0]) == ["z", "a", "n", "r", "b"]
    assert cell_text(2.0) == "2.0" and cell_text(True) == "1"


def test_write_body_keys_every_part_by_query_id() -> None:
    body = write_body(
        [
            QueryOutcome("ok", [{"a": "1"}], stats=QueryStats(3, 1, 2, 4096)),
            QueryOutcome("bad", [], 1, "no such table: x"),
        ]
    )
    assert body == {
        "queries": {"ok": [{"a": "1"}], "bad": []},
        "statuses": {"ok": 0, "bad": 1},
        "messages": {"ok": "", "bad": "no such table: x"},
        "stats": {
            "ok": {"wall_time_ms": 3, "user_time": 1, "system_time": 2, "memory": 4096},
            "bad": {},
        },
    }


def test_query_key_is_the_sha256_of_the_text() -> None:
    assert query_key("select 1") == hashlib.sha256(b"select 1").hexdigest()


def test_denylist_expiry() -> None:
    assert not denylist_expired("1000", 1500, 600)
    assert denylist_expired("1000", 1601, 600)
    assert denylist_expired("garbage", 10, 5)


def test_poll_delay_accelerates_until_the_expiry() -> None:
    assert poll_delay(100, "150", 60) == ACCELERATED_INTERVAL
    assert poll_delay(151, "150", 60) == 60
    assert poll_delay(100, None, 60) == 60
    assert poll_delay(100, "x", 30) == 30


def test_running_marks_denylist_a_query_left_running() -> None:
    store = BackingStore.in_memory()
    marks = RunningMarks(store, duration=100)
    assert not marks.check_and_set("select 1", 1000)
    assert store.get("distributed_running", query_key("select 1")) == "1000"
    # Still marked (the worker died before clearing it): denylisted until 1100.
    assert marks.check_and_set("select 1", 1050)
    assert not marks.check_and_set("select 1", 1101)
    marks.clear("select 1")
    assert not list(store.scan("distributed_running"))


def test_purge_expired_keeps_live_marks() -> None:
    store = BackingStore.in_memory()
    store.put_many("distributed_running", {"old": "100", "new": "990"})
    assert RunningMarks(store, duration=50).purge_expired(1000) == 1
    assert [key for key, _ in store.scan("distributed_running")] == ["new"]
