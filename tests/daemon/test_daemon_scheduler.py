"""The scheduler's timing core: splay, due queries, drift, decorators and denylist (§5.2, §6)."""

from __future__ import annotations

import random

import pytest

from hostql.daemon.config.model import Decorators, ScheduledQuery
from hostql.daemon.scheduler import (
    denylist_failed_query,
    due,
    effective_splay_percent,
    format_denylist,
    format_persisted_splay,
    interval_decorators_due,
    is_denylisted,
    next_step_delay,
    parse_denylist,
    parse_persisted_splay,
    restore_splay,
    splay_bounds,
    splayed_interval,
)


def query(name: str, interval: int = 60, startup_priority: int | None = None) -> ScheduledQuery:
    return ScheduledQuery(
        name=name, query="select 1", interval=interval, startup_priority=startup_priority
    )


@pytest.mark.parametrize(
    ("interval", "percent", "bounds"),
    [
        (3600, 10, (3240, 3960)),
        (60, 10, (54, 66)),
        (10, 10, (9, 11)),
        (7, 10, (7, 7)),
        (100, 50, (50, 150)),
        (10, 100, (1, 20)),
        (3600, 101, (3600, 3600)),
        (3600, 0, (3240, 3960)),
        (3600, 1, (3240, 3960)),
        (1, 10, (1, 1)),
    ],
)
def test_splay_bounds(interval: int, percent: int, bounds: tuple[int, int]) -> None:
    assert splay_bounds(interval, percent) == bounds


def test_splay_percent_of_one_or_less_becomes_ten() -> None:
    assert [effective_splay_percent(p) for p in (0, 1, 2, 10, 150)] == [10, 10, 2, 10, 150]


def test_splayed_interval_stays_within_bounds_and_varies() -> None:
    rng = random.Random(7)
    draws = {splayed_interval(3600, 10, rng) for _ in range(500)}
    assert min(draws) >= 3240
    assert max(draws) <= 3960
    assert len(draws) > 100
    assert {splayed_interval(10, 10, rng) for _ in range(200)} == {9, 10, 11}
    assert splayed_interval(7, 10, rng) == 7
    assert splayed_interval(1, 100, rng) in (1, 2)


def test_persisted_splay_round_trip() -> None:
    assert format_persisted_splay(3600, 3711) == "3600:3711"
    assert parse_persisted_splay("3600:3711", 3600) == 3711


@pytest.mark.parametrize("text", ["3600:3711", " 3600 : 3711 ", "3600::3711", ":3600:3711:"])
def test_persisted_splay_parses_like_osquery_split(text: str) -> None:
    assert parse_persisted_splay(text, 3600) == 3711


@pytest.mark.parametrize(
    "text", ["60:66", "3600", "3600:0", "3600:-5", "3600:abc", "x:3711", "3600:3711:1", ""]
)
def test_persisted_splay_is_ignored_when_it_does_not_fit(text: str) -> None:
    assert parse_persisted_splay(text, 3600) is None


def test_restore_splay_reuses_a_matching_value() -> None:
    assert restore_splay(3600, "3600:3999", 10, random.Random(1)) == (3999, "3600:3999")


def test_restore_splay_draws_again_when_the_interval_changed_or_nothing_is_stored() -> None:
    for persisted in (None, "", "60:61", "garbage"):
        splayed, text = restore_splay(3600, persisted, 10, random.Random(1))
        assert 3240 <= splayed <= 3960
        assert text == f"3600:{splayed}"


def test_due_runs_queries_whose_splayed_interval_divides_the_step() -> None:
    schedule = [query("a", 60), query("b", 3600), query("c", 10)]
    splayed = {"a": 60, "b": 3610, "c": 11}
    assert [q.name for q in due(schedule, 3610 * 11 * 60, splayed, False)] == ["a", "b", "c"]
    assert [q.name for q in due(schedule, 120, splayed, False)] == ["a"]
    assert [q.name for q in due(schedule, 3610, splayed, False)] == ["b"]
    assert due(schedule, 127, splayed, False) == []


def test_due_falls_back_to_the_configured_interval() -> None:
    assert [q.name for q in due([query("a", 30)], 90, {}, False)] == ["a"]
    assert due([query("a", 30)], 91, {}, False) == []
    assert due([query("zero", 0)], 0, {"zero": 0}, True) == []


def test_startup_priority_queries_run_first_on_the_first_step_only() -> None:
    schedule = [
        query("plain", 7),
        query("late", 3600, startup_priority=5),
        query("b_early", 3600, startup_priority=1),
        query("a_early", 3600, startup_priority=1),
        query("zero", 3600, startup_priority=0),
    ]
    splayed = {q.name: q.interval for q in schedule}
    first = due(schedule, 1_700_000_003, splayed, True)
    assert [q.name for q in first] == ["zero", "a_early", "b_early", "late"]
    assert due(schedule, 1_700_000_003, splayed, False) == []


def test_a_startup_query_also_due_by_interval_runs_once() -> None:
    schedule = [query("s", 60, startup_priority=2), query("p", 60)]
    names = [q.name for q in due(schedule, 120, {"s": 60, "p": 60}, True)]
    assert names == ["s", "p"]


def test_short_step_sleeps_the_rest_of_the_second_and_clears_drift() -> None:
    assert next_step_delay(0.25, 0.0, 60) == (0.75, 0.0)
    assert next_step_delay(0.25, 0.5, 60) == (0.25, 0.0)


def test_long_step_accumulates_drift_without_sleeping() -> None:
    assert next_step_delay(3.0, 0.0, 60) == (0.0, 2.0)
    assert next_step_delay(1.5, 2.0, 60) == (0.0, 2.5)
    assert next_step_delay(0.5, 0.5, 60) == (0.0, 0.0)


def test_drift_beyond_the_maximum_is_given_up() -> None:
    assert next_step_delay(2.0, 59.5, 60) == (0.0, 0.0)
    assert next_step_delay(2.0, 59.0, 60) == (0.0, 60.0)
    assert next_step_delay(5.0, 0.0, 0) == (0.0, 0.0)


def test_interval_decorators_run_on_minutes_divisible_by_their_interval() -> None:
    decorators = Decorators(interval=((300, ("select 5",)), (60, ("select 1", "select 1b"))))
    assert interval_decorators_due(120, decorators) == ["select 1", "select 1b"]
    assert interval_decorators_due(600, decorators) == ["select 1", "select 1b", "select 5"]
    assert interval_decorators_due(61, decorators) == []
    assert interval_decorators_due(30, Decorators(interval=((30, ("x",)),))) == []
    assert interval_decorators_due(60, Decorators()) == []


def test_denylist_parses_pairs_and_drops_expired_entries() -> None:
    text = "pack_a_b:2000:slow:1500:old:999"
    assert parse_denylist(text, 1000) == {"pack_a_b": 2000, "slow": 1500}
    assert parse_denylist(text, 1500) == {"pack_a_b": 2000}


@pytest.mark.parametrize("text", ["", "name", "a:1:b", "a:0", "a:-4", "a:soon"])
def test_malformed_or_empty_denylist_entries_are_dropped(text: str) -> None:
    assert parse_denylist(text, 0) == {}


def test_denylist_format_round_trips_sorted() -> None:
    denylist = {"zeta": 10, "alpha": 20}
    assert format_denylist(denylist) == "alpha:20:zeta:10"
    assert parse_denylist(format_denylist(denylist), 5) == denylist
    assert format_denylist({}) == ""


def test_failed_query_is_denylisted_for_a_day() -> None:
    assert denylist_failed_query({"x": 5}, "pack_p_q", 1000) == {"x": 5, "pack_p_q": 87400}
    assert denylist_failed_query({}, "q", 1000, seconds=10) == {"q": 1010}


def test_denylisted_until_expiry() -> None:
    denylist = {"q": 2000}
    assert is_denylisted("q", 1999, denylist, True, False)
    assert is_denylisted("q", 2000, denylist, True, False)
    assert not is_denylisted("q", 2001, denylist, True, False)
    assert not is_denylisted("other", 1000, denylist, True, False)


def test_query_opting_out_of_the_denylist_runs() -> None:
    assert not is_denylisted("q", 1000, {"q": 2000}, False, False)


def test_event_only_queries_are_not_denylisted_unless_enforced() -> None:
    assert not is_denylisted("q", 1000, {"q": 2000}, True, True)
    assert is_denylisted("q", 1000, {"q": 2000}, True, True, enforce_events=True)
    assert not is_denylisted("q", 1000, {"q": 2000}, False, True, enforce_events=True)
