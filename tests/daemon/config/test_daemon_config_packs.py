"""Pack expansion: naming, shard/platform/version filtering and cached discovery."""

from __future__ import annotations

from typing import Any

import pytest

from hostql.daemon.config.model import Config, Pack, ScheduledQuery
from hostql.daemon.config.packs import (
    DiscoveryCache,
    DiscoveryStats,
    expand_schedule,
    host_shard,
    platform_matches,
    scheduled_name,
    shard_matches,
    to_bool,
    to_size,
    version_matches,
)

# SHA-1("localhost") starts with 0x33: 51 * 100 // 255 == 20.
HOST = "localhost"


def query(name: str, **fields: Any) -> ScheduledQuery:
    return ScheduledQuery(name=name, query=f"select '{name}'", interval=60, **fields)


def pack(name: str, *queries: ScheduledQuery, **fields: Any) -> Pack:
    return Pack(name=name, queries=queries, **fields)


def expand(*packs: Pack, **kwargs: Any) -> list[str]:
    options: dict[str, Any] = {
        "hostname": HOST,
        "sdk_version": "5.12.1",
        "run_discovery": lambda sql: True,
    }
    options.update(kwargs)
    return [q.name for q in expand_schedule(Config(packs=packs), **options)]


@pytest.mark.parametrize(
    ("hostname", "shard"),
    [("localhost", 20), ("web-01", 77), ("db-01", 38), ("host-b", 52), ("", 85)],
)
def test_host_shard_is_the_first_sha1_byte_scaled_to_100(hostname: str, shard: int) -> None:
    assert host_shard(hostname) == shard


@pytest.mark.parametrize(
    ("limit", "host", "runs"),
    [(0, 99, True), (20, 20, True), (21, 20, True), (19, 20, False), (100, 100, True)],
)
def test_shard_runs_when_unrestricted_or_host_at_or_below(
    limit: int, host: int, runs: bool
) -> None:
    assert shard_matches(limit, host) is runs


@pytest.mark.parametrize(
    ("spec", "platform", "runs"),
    [
        ("", "linux", True),
        ("null", "windows", True),
        ("any", "linux", True),
        ("all", "darwin", True),
        ("linux", "linux", True),
        ("ubuntu", "linux", True),
        ("centos", "linux", True),
        ("linux,darwin", "linux", True),
        ("darwin", "linux", False),
        ("windows", "linux", False),
        ("posix", "linux", True),
        ("posix", "darwin", True),
        ("posix", "windows", False),
        ("ubuntu", "darwin", False),
        ("darwin", "darwin", True),
        ("freebsd", "linux", False),
        # Substring tests: "Windows" with a capital W is not "windows".
        ("Windows", "windows", False),
    ],
)
def test_platform_matches_osquerys_substring_rules(spec: str, platform: str, runs: bool) -> None:
    assert platform_matches(spec, platform) is runs


@pytest.mark.parametrize(
    ("spec", "runs"),
    [("", True), ("null", True), ("0.0.0", True), ("5.12.1", True), ("5.12.0", True),
     ("1.4.5", True), ("5", True), ("5.9.9", True), ("5.12.1.7", True), ("5.1a", True),
     ("5.12.2", False), ("5.13", False), ("6.0.0", False), ("10.0", False), ("5.x", False)],
)  # fmt: skip
def test_version_runs_when_the_sdk_is_at_least_the_spec(spec: str, runs: bool) -> None:
    # Numeric per chunk: unlike version_compare(), 5.12.1 is below 5.13.
    assert version_matches(spec, "5.12.1") is runs


def test_version_chunks_of_the_sdk_compare_by_their_leading_integer() -> None:
    assert version_matches("5.12.1", "5.12.1-4-gdeadbee") is True
    assert version_matches("5.12.2", "5.12.1-4-gdeadbee") is False
    assert version_matches("9.9.9", "0.0.0") is True


@pytest.mark.parametrize(
    ("value", "size"),
    [(60, 60), ("60", 60), (60.0, 60), (1.5, 0), ("6O", 0), (" 60", 0), (True, 0), (None, 0),
     ({}, 0), (-3, -3)],
)  # fmt: skip
def test_to_size(value: Any, size: int) -> None:
    assert to_size(value) == size


@pytest.mark.parametrize(
    ("value", "flag"),
    [(True, True), ("True", True), ("t", True), ("yes", False), (2, True), (0.0, False),
     ([1], False)],
)  # fmt: skip
def test_to_bool(value: Any, flag: bool) -> None:
    assert to_bool(value) is flag


def test_names_join_pack_and_query_with_the_delimiter() -> None:
    assert scheduled_name("main", "q") == "q"
    assert scheduled_name("it-compliance", "mounts") == "pack_it-compliance_mounts"
    assert scheduled_name("p", "q", "/") == "pack/p/q"


def test_expansion_names_queries_and_orders_them_by_name_within_a_pack() -> None:
    packs = (
        pack("main", query("zeta"), query("alpha")),
        pack("mon", query("b", pack="mon"), query("a", pack="mon")),
    )
    assert expand(*packs) == ["alpha", "zeta", "pack_mon_a", "pack_mon_b"]
    assert expand(*packs, delimiter="-") == ["alpha", "zeta", "pack-mon-a", "pack-mon-b"]


def test_expansion_keeps_every_query_field() -> None:
    original = query("q", pack="p", snapshot=True, removed=False, startup_priority=2, source="s")
    (expanded,) = expand_schedule(
        Config(packs=(pack("p", original),)),
        hostname=HOST,
        sdk_version="5.0.0",
        run_discovery=lambda sql: True,
    )
    assert expanded == ScheduledQuery(
        name="pack_p_q",
        query="select 'q'",
        interval=60,
        pack="p",
        snapshot=True,
        removed=False,
        startup_priority=2,
        source="s",
    )


def test_pack_restrictions_filter_whole_packs() -> None:
    packs = (
        pack("shard_in", query("a"), shard=20),
        pack("shard_out", query("a"), shard=19),
        pack("windows", query("a"), platform="windows"),
        pack("posix", query("a"), platform="posix"),
        pack("future", query("a"), version="9.0.0"),
        pack("old", query("a"), version="1.0.0"),
    )
    assert expand(*packs) == ["pack_shard_in_a", "pack_posix_a", "pack_old_a"]
    assert expand(*packs, platform="darwin") == ["pack_shard_in_a", "pack_posix_a", "pack_old_a"]
    assert expand(*packs, platform="windows") == [
        "pack_shard_in_a",
        "pack_windows_a",
        "pack_old_a",
    ]


def test_query_restrictions_filter_single_queries() -> None:
    queries = (
        query("plain"),
        query("mac", platform="darwin"),
        query("lin", platform="linux,darwin"),
        query("sharded_out", shard=10),
        query("sharded_in", shard=50),
        query("too_new", version="6.0.0"),
        query("new_enough", version="5.12.1"),
    )
    assert expand(pack("main", *queries)) == [
        "lin",
        "new_enough",
        "plain",
        "sharded_in",
    ]
    # web-01 is in shard 77: the query limited to shard 50 no longer runs.
    assert "sharded_in" not in expand(pack("main", *queries), hostname="web-01")


def test_the_first_of_two_equal_names_wins() -> None:
    first = query("q", source="a")
    second = ScheduledQuery(name="q", query="select 2", interval=5, source="b")
    expanded = expand_schedule(
        Config(packs=(pack("main", first, source="a"), pack("main", second, source="b"))),
        hostname=HOST,
        sdk_version="5.0.0",
        run_discovery=lambda sql: True,
    )
    assert expanded == [first]


class Discovery:
    """A run_discovery that answers from a table and records what it ran."""

    def __init__(self, answers: dict[str, bool]) -> None:
        self.answers = answers
        self.ran: list[str] = []

    def __call__(self, sql: str) -> bool:
        self.ran.append(sql)
        return self.answers[sql]


def test_discovery_needs_every_query_and_stops_at_the_first_failure() -> None:
    discovery = Discovery({"one": True, "empty": False, "never": True})
    packs = (
        pack("yes", query("a"), discovery=("one",)),
        pack("no", query("a"), discovery=("one", "empty", "never")),
        pack("none", query("a")),
    )
    assert expand(*packs, run_discovery=discovery) == ["pack_yes_a", "pack_none_a"]
    assert discovery.ran == ["one", "one", "empty"]


def test_discovery_is_not_run_for_packs_filtered_out() -> None:
    discovery = Discovery({})
    filtered = pack("p", query("a"), platform="windows", discovery=("x",))
    assert expand(filtered, run_discovery=discovery) == []
    assert discovery.ran == []


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_discovery_results_are_cached_for_the_ttl() -> None:
    clock = Clock(10_000.0)
    cache = DiscoveryCache(3600, now=clock)
    answers = {"probe": False}
    discovery = Discovery(answers)
    target = pack("p", query("a"), discovery=("probe",), source="s")

    assert cache.check(target, discovery) is False
    answers["probe"] = True
    clock.now += 3599
    assert cache.check(target, discovery) is False
    assert discovery.ran == ["probe"]
    clock.now += 1
    assert cache.check(target, discovery) is True
    assert discovery.ran == ["probe", "probe"]
    assert cache.stats(target) == DiscoveryStats(total=3, hits=1, misses=2)


def test_changed_discovery_queries_are_not_answered_from_cache() -> None:
    cache = DiscoveryCache(3600, now=Clock(5.0))
    discovery = Discovery({"a": False, "b": True})
    assert cache.check(pack("p", discovery=("a",)), discovery) is False
    assert cache.check(pack("p", discovery=("b",)), discovery) is True
    assert cache.check(pack("p", discovery=("b",), source="other"), discovery) is True
    assert discovery.ran == ["a", "b", "b"]
    assert cache.stats(pack("unknown")) == DiscoveryStats()


def test_expansion_uses_the_cache_between_calls() -> None:
    clock = Clock(0.0)
    cache = DiscoveryCache(60, now=clock)
    discovery = Discovery({"probe": True})
    config = Config(packs=(pack("p", query("a"), discovery=("probe",)),))
    for _ in range(3):
        expanded = expand_schedule(
            config,
            hostname=HOST,
            sdk_version="5.0.0",
            run_discovery=discovery,
            discovery_cache=cache,
        )
        assert [q.name for q in expanded] == ["pack_p_a"]
    assert discovery.ran == ["probe"]
    # Without a cache every expansion asks again.
    expand(config.packs[0], run_discovery=discovery)
    assert discovery.ran == ["probe", "probe"]
