"""The watchdog's pure arithmetic: limits per level and overrides, health verdicts, backoff."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hostql.daemon.limits import (
    MB,
    OK,
    Limits,
    MemoryFootprint,
    Respawns,
    Sample,
    Verdict,
    WorkerHealth,
    cpu_limit_ms,
    limits_for,
    respawn_delay,
)
from hostql.flags import FlagValues, default_values

NORMAL = Limits(200, 10, 12, 4, 5, 3)


def flag_values(**flags: int) -> FlagValues:
    values = default_values()
    for name, value in flags.items():
        values.set(name, value)
    return values


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (0, Limits(200, 10, 12, 4, 5, 3)),
        (1, Limits(100, 5, 6, 4, 5, 3)),
        (-1, Limits(10_000, 100, 1000, 1000, 1, 3)),
        (2, Limits(200, 10, 12, 4, 5, 3)),  # any other level is the normal column
        (-7, Limits(200, 10, 12, 4, 5, 3)),
    ],
)
def test_limits_per_level(level: int, expected: Limits) -> None:
    assert limits_for(flag_values(watchdog_level=level)) == expected


def test_default_flags_give_the_normal_column() -> None:
    assert limits_for(default_values()) == NORMAL


@pytest.mark.parametrize("level", [0, 1, -1])
def test_overrides_replace_memory_utilization_and_latency_only(level: int) -> None:
    base = limits_for(flag_values(watchdog_level=level))
    overridden = limits_for(
        flag_values(
            watchdog_level=level,
            watchdog_memory_limit=300,
            watchdog_utilization_limit=50,
            watchdog_latency_limit=20,
        )
    )
    assert overridden == replace(base, memory_mb=300, utilization_percent=50, latency_s=20)


def test_an_override_of_zero_keeps_the_level_value() -> None:
    limits = limits_for(
        flag_values(watchdog_level=1, watchdog_memory_limit=0, watchdog_latency_limit=9)
    )
    assert limits == Limits(100, 5, 9, 4, 5, 3)


def test_cpu_limit_is_percent_of_every_core_over_the_interval() -> None:
    assert cpu_limit_ms(NORMAL, 4) == 1200  # osquery's "cpu: 97ms/1200ms" on 4 cores
    assert cpu_limit_ms(NORMAL, 1) == 300
    assert cpu_limit_ms(NORMAL, 2, interval_s=0.25) == 50
    # Utilization above 100 % is capped, as getChange does.
    assert cpu_limit_ms(replace(NORMAL, utilization_percent=250), 2) == 6000


def test_respawn_delay_is_delay_plus_two_to_the_restarts_capped() -> None:
    assert [respawn_delay(n, NORMAL, 600) for n in range(1, 6)] == [7, 9, 13, 21, 37]
    assert [respawn_delay(n, NORMAL, 10) for n in range(1, 5)] == [7, 9, 10, 10]
    disabled = Limits(10_000, 100, 1000, 1000, 1, 3)
    assert respawn_delay(1, disabled, 600) == 3
    assert respawn_delay(12, disabled, 600) == 600


def health(limits: Limits = NORMAL, *, cores: int = 1, delay_s: float = 0) -> WorkerHealth:
    return WorkerHealth(limits, cores=cores, started_at=100.0, delay_s=delay_s)


def feed(watched: WorkerHealth, deltas: list[int], *, rss: int = 10 * MB) -> list[Verdict]:
    """Checks every 3 s after the start, the CPU total growing by each delta."""
    verdicts, total = [], 0
    for index, delta in enumerate(deltas, start=1):
        total += delta
        verdicts.append(watched.check(Sample(watched.started_at + 3 * index, total, rss)))
    return verdicts


def test_sustained_cpu_stops_when_counter_times_interval_reaches_latency() -> None:
    watched = health()  # 300 ms per 3 s on one core, 12 s of latency
    verdicts = feed(watched, [301, 301, 301, 301])
    assert verdicts[:3] == [OK, OK, OK]
    assert verdicts[3] == Verdict(
        True, "Maximum sustainable CPU utilization limit 300ms exceeded for 12 seconds"
    )
    assert watched.sustained == 4


def test_an_under_limit_check_resets_the_counter() -> None:
    watched = health()
    # Exactly the limit is not over it.
    verdicts = feed(watched, [301, 301, 301, 300, 301, 301, 301])
    assert verdicts == [OK] * 7
    assert watched.sustained == 3
    assert feed_more(watched, 301) == Verdict(
        True, "Maximum sustainable CPU utilization limit 300ms exceeded for 12 seconds"
    )


def feed_more(watched: WorkerHealth, delta: int) -> Verdict:
    last = watched.last
    return watched.check(Sample(last.time + 3, last.cpu_ms + delta, last.rss_bytes))


def test_the_start_up_cpu_counts_in_the_first_check() -> None:
    watched = health()
    assert watched.check(Sample(103.0, 450, 10 * MB)) == OK
    assert (watched.sustained, watched.cpu_delta_ms) == (1, 450)


def test_the_allowance_follows_the_real_time_between_checks() -> None:
    watched = health()
    # 500 ms over a late check 6 s after the previous one is within 10 % of one core.
    assert watched.check(Sample(106.0, 500, 10 * MB)) == OK
    assert watched.sustained == 0


def test_cpu_limit_scales_with_cores() -> None:
    watched = health(cores=4)  # 1200 ms per check
    feed(watched, [1200] * 5)
    assert watched.sustained == 0
    assert feed(health(cores=4), [1201] * 4)[3].reason == (
        "Maximum sustainable CPU utilization limit 1200ms exceeded for 12 seconds"
    )


def test_memory_is_measured_above_the_first_rss() -> None:
    watched = health()
    assert watched.check(Sample(103.0, 0, 30 * MB)) == OK
    assert watched.check(Sample(106.0, 0, 230 * MB)) == OK  # exactly 200 MB above: allowed
    assert watched.check(Sample(109.0, 0, 230 * MB + 1)) == Verdict(
        True, "Memory limits exceeded: 209715201 bytes (limit is 200MB)"
    )


def test_memory_below_the_baseline_is_no_footprint() -> None:
    memory = MemoryFootprint(50)
    assert memory.measure(40 * MB) == 0
    assert memory.measure(20 * MB) == 0
    assert memory.measure(91 * MB) == 51 * MB
    assert memory.exceeded
    assert memory.reason() == "Memory limits exceeded: 53477376 bytes (limit is 50MB)"


def test_a_zero_rss_does_not_set_the_baseline() -> None:
    memory = MemoryFootprint(50)
    assert memory.measure(0) == 0
    assert memory.measure(100 * MB) == 0
    assert memory.baseline == 100 * MB


def test_cpu_is_checked_before_memory() -> None:
    watched = health(replace(NORMAL, latency_s=3))
    watched.check(Sample(103.0, 0, 10 * MB))
    verdict = watched.check(Sample(106.0, 1000, 500 * MB))
    assert (
        verdict.reason == "Maximum sustainable CPU utilization limit 300ms exceeded for 3 seconds"
    )


def test_watchdog_delay_suppresses_verdicts_but_not_measurements() -> None:
    watched = health(delay_s=60)
    verdicts = feed(watched, [3000] * 19, rss=10 * MB)  # up to 57 s after the start
    assert verdicts == [OK] * 19
    assert watched.sustained == 19
    assert watched.memory.baseline == 10 * MB
    # The first check at the end of the delay acts on everything measured during it.
    assert feed_more(watched, 3000) == Verdict(
        True, "Maximum sustainable CPU utilization limit 300ms exceeded for 60 seconds"
    )


def test_watchdog_delay_applies_to_memory_too() -> None:
    watched = health(delay_s=10)
    assert watched.check(Sample(103.0, 0, 10 * MB)) == OK
    assert watched.check(Sample(106.0, 0, 900 * MB)) == OK
    assert watched.check(Sample(110.0, 0, 900 * MB)).reason == (
        "Memory limits exceeded: 933232640 bytes (limit is 200MB)"
    )


def test_fractional_test_intervals_print_as_whole_seconds() -> None:
    limits = replace(NORMAL, latency_s=2, interval_s=0.25)
    watched = WorkerHealth(limits, cores=2, started_at=0.0, delay_s=0)
    verdicts = [watched.check(Sample(0.25 * n, 250 * n, MB)) for n in range(1, 9)]
    assert verdicts[:7] == [OK] * 7
    assert verdicts[7].reason == (
        "Maximum sustainable CPU utilization limit 50ms exceeded for 2 seconds"
    )


def test_describe_is_the_watchdog_debug_line() -> None:
    watched = health(cores=4)
    watched.check(Sample(103.0, 97, 10 * MB))
    watched.check(Sample(106.0, 98, 10 * MB + MB // 2))
    assert watched.describe(93084) == "pid: 93084, cpu: 1ms/1200ms, memory: 0.50MB/200MB"


def test_the_first_spawn_waits_for_nothing() -> None:
    respawns = Respawns(NORMAL, 600)
    assert respawns.before_spawn(0.0) == 0
    assert respawns.quick_restarts == 0
    assert not respawns.exhausted


def test_quick_restarts_back_off_then_exhaust() -> None:
    respawns = Respawns(NORMAL, 600)
    now, delays = 1000.0, []
    for _ in range(5):
        if respawns.exhausted:
            break
        delay = respawns.before_spawn(now)
        delays.append(delay)
        now += delay
        respawns.spawned(now)
        now += 1  # the worker dies a second later
    assert delays == [0, 7, 9, 13, 21]
    assert respawns.quick_restarts == 4
    assert respawns.exhausted


def test_a_worker_that_lived_the_respawn_limit_is_not_a_quick_restart() -> None:
    respawns = Respawns(NORMAL, 600)
    respawns.spawned(0.0)
    assert respawns.before_spawn(3.9) == 7
    respawns.spawned(10.9)
    assert respawns.before_spawn(14.9) == 0
    assert respawns.quick_restarts == 1
    # The count is never reset, as osquery's worker_restarts_.
    respawns.spawned(20.0)
    assert respawns.before_spawn(21.0) == 9
    assert respawns.quick_restarts == 2


def test_max_delay_caps_the_backoff() -> None:
    respawns = Respawns(NORMAL, 1)
    respawns.spawned(0.0)
    assert respawns.before_spawn(0.5) == 1
