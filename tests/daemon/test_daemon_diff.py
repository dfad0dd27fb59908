"""Differential results: multiset diffs and osquery's counter/epoch/logging decisions (§7)."""

from __future__ import annotations

from hostql.daemon.diff import (
    Outcome,
    StoredResult,
    diff_rows,
    differential,
    osquery_row_order,
)
from hostql.schema import Row


def rows(*pids: int) -> list[Row]:
    return [{"pid": pid, "name": f"p{pid}"} for pid in pids]


def test_diff_of_identical_runs_is_empty() -> None:
    assert diff_rows(rows(1, 2, 3), rows(3, 2, 1)) == ([], [])


def test_diff_reports_new_and_vanished_rows() -> None:
    added, removed = diff_rows(rows(1, 2, 3), rows(2, 3, 4, 5))
    assert added == rows(4, 5)
    assert removed == rows(1)


def test_added_rows_keep_the_current_order() -> None:
    added, _ = diff_rows(rows(1), rows(9, 1, 3, 7))
    assert added == rows(9, 3, 7)


def test_removed_rows_come_in_osquerys_multiset_order() -> None:
    # Rows compare column by column in name order: "name" ("p1" < "p30" < "p7") before "pid".
    _, removed = diff_rows(rows(9, 1, 30, 7, 2), rows(2))
    assert removed == rows(1, 30, 7, 9)
    _, by_number = diff_rows([{"pid": 9}, {"pid": 30}, {"pid": 7}], [])
    assert by_number == [{"pid": 7}, {"pid": 9}, {"pid": 30}]


def test_row_order_sorts_integers_before_reals_before_strings() -> None:
    mixed: list[Row] = [{"v": "a"}, {"v": 2.5}, {"v": 10}, {"v": ""}, {"v": -1}, {"v": 0.5}]
    assert sorted(mixed, key=osquery_row_order) == [
        {"v": -1},
        {"v": 10},
        {"v": 0.5},
        {"v": 2.5},
        {"v": ""},
        {"v": "a"},
    ]
    # Fewer columns that are a prefix sort first; columns compare by name first.
    assert osquery_row_order({"a": 1}) < osquery_row_order({"a": 1, "b": 0})
    assert osquery_row_order({"a": 9}) < osquery_row_order({"b": 0})


def test_duplicates_count_as_a_multiset() -> None:
    previous: list[Row] = [{"a": "x"}, {"a": "x"}, {"a": "y"}]
    assert diff_rows(previous, [{"a": "x"}, {"a": "y"}]) == ([], [{"a": "x"}])
    assert diff_rows(previous, [{"a": "x"}] * 3 + [{"a": "y"}]) == ([{"a": "x"}], [])
    assert diff_rows([{"a": "x"}], [{"a": "x"}, {"a": "z"}, {"a": "x"}]) == (
        [{"a": "z"}, {"a": "x"}],
        [],
    )


def test_cell_types_matter() -> None:
    added, removed = diff_rows([{"pid": "1"}], [{"pid": 1}])
    assert added == [{"pid": 1}]
    assert removed == [{"pid": "1"}]


def test_row_key_order_does_not_matter() -> None:
    assert diff_rows([{"a": 1, "b": "x"}], [{"b": "x", "a": 1}]) == ([], [])


def test_rows_with_other_columns_are_compared_whole() -> None:
    previous: list[Row] = [{"a": 1, "b": 2}, {"a": 1}, {"c": 5, "d": 6}]
    current: list[Row] = [{"a": 1, "b": 2}, {"a": 1, "c": 2}, {"c": 5, "d": 6}]
    added, removed = diff_rows(previous, current)
    assert added == [{"a": 1, "c": 2}]
    assert removed == [{"a": 1}]


def test_diff_with_empty_sides() -> None:
    assert diff_rows([], rows(2, 1)) == (rows(2, 1), [])
    assert diff_rows(rows(2, 1), []) == ([], rows(1, 2))
    assert diff_rows([], []) == ([], [])
    assert diff_rows([{}], [{}, {}]) == ([{}], [])


def test_null_cells_diff_like_values() -> None:
    assert diff_rows([{"a": None}], [{"a": None}]) == ([], [])
    assert diff_rows([{"a": None}], [{"a": ""}]) == ([{"a": ""}], [{"a": None}])


def stored(rows_: list[Row], *, epoch: int = 0, counter: int = 0, sql: str = "q") -> StoredResult:
    return StoredResult(rows_, epoch, counter, sql)


def test_first_run_adds_everything_with_counter_zero() -> None:
    outcome = differential(None, rows(1, 2), sql="q", epoch=3)
    assert outcome == Outcome(
        rows(1, 2), [], 0, log=True, state=StoredResult(rows(1, 2), 3, 0, "q"), first_run=True
    )
    assert outcome.store


def test_first_run_without_rows_is_still_logged() -> None:
    outcome = differential(None, [], sql="q", epoch=0)
    assert (outcome.added, outcome.removed, outcome.counter, outcome.log) == ([], [], 0, True)
    assert outcome.state == StoredResult([], 0, 0, "q")


def test_new_epoch_resets_like_a_first_run() -> None:
    outcome = differential(stored(rows(1), epoch=1, counter=41), rows(1, 2), sql="q", epoch=2)
    assert outcome.added == rows(1, 2)
    assert outcome.removed == []
    assert outcome.counter == 0
    assert outcome.log and outcome.new_epoch and not outcome.first_run
    assert outcome.state == StoredResult(rows(1, 2), 2, 0, "q")


def test_changed_run_increments_the_counter_and_stores() -> None:
    outcome = differential(stored(rows(1, 2), counter=4), rows(2, 3), sql="q", epoch=0)
    assert (outcome.added, outcome.removed, outcome.counter) == (rows(3), rows(1), 5)
    assert outcome.log
    assert outcome.state == StoredResult(rows(2, 3), 0, 5, "q")
    assert not (outcome.first_run or outcome.new_epoch or outcome.query_updated)


def test_unchanged_run_logs_and_stores_nothing() -> None:
    outcome = differential(stored(rows(1, 2), counter=4), rows(2, 1), sql="q", epoch=0)
    assert outcome == Outcome([], [], 4, log=False, state=None)
    assert not outcome.store


def test_unchanged_empty_run_after_an_empty_first_run_is_silent() -> None:
    outcome = differential(stored([], counter=0), [], sql="q", epoch=0)
    assert not outcome.log
    assert not outcome.store


def test_removed_false_drops_removed_rows_but_still_counts_and_stores() -> None:
    outcome = differential(
        stored(rows(1, 2), counter=1), rows(2, 3), sql="q", epoch=0, removed_enabled=False
    )
    assert (outcome.added, outcome.removed, outcome.counter, outcome.log) == (rows(3), [], 2, True)
    only_removed = differential(
        stored(rows(1, 2), counter=1), rows(2), sql="q", epoch=0, removed_enabled=False
    )
    assert (only_removed.added, only_removed.removed, only_removed.counter) == ([], [], 2)
    assert not only_removed.log
    assert only_removed.state == StoredResult(rows(2), 0, 2, "q")


def test_changed_sql_still_diffs_against_the_old_rows() -> None:
    outcome = differential(stored(rows(1, 2), counter=7, sql="old"), rows(2, 3), sql="new", epoch=0)
    assert outcome.query_updated
    assert (outcome.added, outcome.removed, outcome.counter) == (rows(3), rows(1), 8)
    assert outcome.state == StoredResult(rows(2, 3), 0, 8, "new")


def test_changed_sql_without_row_changes_stores_only_the_new_text() -> None:
    outcome = differential(stored(rows(1), counter=7, sql="old"), rows(1), sql="new", epoch=0)
    assert outcome.query_updated
    assert not outcome.log
    assert outcome.counter == 7
    assert outcome.state == StoredResult(rows(1), 0, 7, "new")


def test_new_epoch_with_new_sql_is_a_fresh_start_not_an_update() -> None:
    outcome = differential(stored(rows(1), epoch=0, sql="old"), rows(1), sql="new", epoch=1)
    assert outcome.new_epoch and not outcome.query_updated
    assert outcome.state == StoredResult(rows(1), 1, 0, "new")


def test_event_query_first_run_counts_from_one() -> None:
    outcome = differential(None, rows(1, 2), sql="q", epoch=0, event_query=True)
    assert (outcome.added, outcome.removed, outcome.counter, outcome.log) == (
        rows(1, 2),
        [],
        1,
        True,
    )
    assert outcome.first_run
    assert outcome.state == StoredResult([], 0, 1, "q")


def test_event_query_empty_first_run_logs_nothing_but_records_the_epoch() -> None:
    outcome = differential(None, [], sql="q", epoch=4, event_query=True)
    assert not outcome.log
    assert outcome.state == StoredResult([], 4, 0, "q")
    following = differential(outcome.state, rows(5), sql="q", epoch=4, event_query=True)
    assert (following.added, following.counter, following.log) == (rows(5), 1, True)


def test_event_query_does_not_diff_and_counts_non_empty_runs() -> None:
    previous = stored([], counter=3)
    outcome = differential(previous, rows(1), sql="q", epoch=0, event_query=True)
    assert (outcome.added, outcome.removed, outcome.counter, outcome.log) == (rows(1), [], 4, True)
    assert outcome.state == StoredResult([], 0, 4, "q")
    again = differential(outcome.state, rows(1), sql="q", epoch=0, event_query=True)
    assert (again.added, again.counter) == (rows(1), 5)


def test_event_query_empty_run_logs_and_stores_nothing() -> None:
    outcome = differential(stored([], counter=3), [], sql="q", epoch=0, event_query=True)
    assert outcome == Outcome([], [], 3, log=False, state=None)


def test_event_query_new_epoch_restarts_the_counter_at_one() -> None:
    outcome = differential(
        stored([], epoch=1, counter=9), rows(1), sql="q", epoch=2, event_query=True
    )
    assert (outcome.counter, outcome.new_epoch, outcome.log) == (1, True, True)
    assert outcome.state == StoredResult([], 2, 1, "q")


def test_event_query_sql_change_keeps_counting_and_stores_the_text() -> None:
    changed = differential(
        stored([], counter=2, sql="old"), rows(1), sql="new", epoch=0, event_query=True
    )
    assert (changed.counter, changed.query_updated) == (3, True)
    assert changed.state == StoredResult([], 0, 3, "new")
    empty = differential(stored([], counter=2, sql="old"), [], sql="new", epoch=0, event_query=True)
    assert not empty.log and empty.query_updated
    assert empty.state == StoredResult([], 0, 2, "new")
