"""Packs: parsing pack objects and expanding them into the host's named schedule (pure)."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from hostql.daemon.config.model import MAIN_PACK, Config, Pack, ScheduledQuery

MAX_QUERY_INTERVAL = 604_800
# Names that would collide with the backing store's own keys.
_RESERVED_PREFIXES = ("query.", "cache.", "config_views.")
_RESERVED_SUFFIXES = ("epoch", "counter")
_POSIX_PLATFORMS = frozenset({"linux", "darwin", "freebsd"})
_LEADING_INT = re.compile(r"\s*[+-]?\d+")


def parse_pack(
    name: str, value: Mapping[str, Any], *, source: str, default_interval: int
) -> tuple[Pack, list[str]]:
    """One pack object as a Pack, and a warning per query dropped from it."""
    warnings: list[str] = []
    queries: list[ScheduledQuery] = []
    listed = value.get("queries")
    if isinstance(listed, dict):
        for query_name, query_value in listed.items():
            query = _parse_query(
                query_name,
                query_value,
                pack=name,
                source=source,
                default_interval=default_interval,
                warnings=warnings,
            )
            if query is not None:
                queries.append(query)
        for duplicate in getattr(listed, "duplicates", ()):
            warnings.append(f"Duplicate query name {duplicate} in pack {name}; the first is used")
    elif listed is not None:
        warnings.append(f"The pack {name} must contain a dictionary of queries")
    discovery = value.get("discovery")
    if discovery is not None and not isinstance(discovery, list):
        warnings.append(f"The discovery of pack {name} must be an array of queries")
        discovery = None
    pack = Pack(
        name=name,
        queries=tuple(queries),
        discovery=tuple(item for item in discovery or () if isinstance(item, str)),
        platform=_text(value.get("platform")),
        version=_text(value.get("version")),
        shard=to_size(value["shard"]) if "shard" in value else 0,
        oncall=value["oncall"] if isinstance(value.get("oncall"), str) else "unknown",
        source=source,
    )
    return pack, warnings


def _parse_query(
    name: str,
    value: Any,
    *,
    pack: str,
    source: str,
    default_interval: int,
    warnings: list[str],
) -> ScheduledQuery | None:
    """One scheduled query object, or None (and a warning) when osquery would drop it."""
    if not isinstance(value, dict):
        warnings.append(f"The pack {pack} contains an invalid query: {name}")
        return None
    if not name or name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        warnings.append(f"Invalid query name: {name}")
        return None
    sql = value.get("query")
    if not isinstance(sql, str):
        warnings.append(f"No query string defined for query {name}")
        return None
    interval = to_size(value["interval"]) if "interval" in value else default_interval
    # osquery reports an empty query string as an invalid interval too.
    if interval <= 0 or interval > MAX_QUERY_INTERVAL or not sql:
        warnings.append(f"Query has invalid interval: {name}: {interval}")
        return None
    priority = None
    if "startup_priority" in value:
        priority = _unsigned(value["startup_priority"])
        if priority is None:
            warnings.append(f"Invalid startup_priority for query {name}: ignored")
    return ScheduledQuery(
        name=name,
        query=sql,
        interval=interval,
        pack=pack,
        snapshot=to_bool(value["snapshot"]) if "snapshot" in value else False,
        removed=to_bool(value["removed"]) if "removed" in value else True,
        denylist=to_bool(value["denylist"]) if "denylist" in value else True,
        platform=_text(value.get("platform")),
        version=_text(value.get("version")),
        shard=to_size(value["shard"]) if "shard" in value else 0,
        startup_priority=priority,
        source=source,
    )


def to_size(value: Any) -> int:
    """osquery's JSON::valueToSize: a number or decimal string, anything else 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else 0
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return 0


def to_bool(value: Any) -> bool:
    """osquery's JSON::valueToBool: true, "true"/"t" (any case) or a non-zero number."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() in ("true", "t")
    if isinstance(value, int | float):
        return value != 0
    return False


def _unsigned(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _text(value: Any) -> str:
    # A non-string platform or version is ignored, as osquery does.
    return value if isinstance(value, str) else ""


def host_shard(hostname: str) -> int:
    """The host's shard, 0-100: the first byte of SHA-1(hostname) scaled as osquery does."""
    return hashlib.sha1(hostname.encode("utf-8")).digest()[0] * 100 // 255


def shard_matches(shard: int, host: int) -> bool:
    """Whether a pack or query restricted to shard runs on a host in shard host."""
    return shard <= 0 or host <= shard


def platform_matches(spec: str, platform: str = "linux") -> bool:
    """osquery's checkPlatform: substring tests of a pack or query platform string."""
    if not spec or spec == "null" or "any" in spec or "all" in spec:
        return True
    if platform == "linux" and ("linux" in spec or "ubuntu" in spec or "centos" in spec):
        return True
    if "posix" in spec and platform in _POSIX_PLATFORMS:
        return True
    return platform in spec


def version_matches(spec: str, sdk_version: str) -> bool:
    """osquery's versionAtLeast: whether the SDK version is at least a pack or query's version."""
    # Dot-separated chunks compare as leading integers (as strings when one is not a number);
    # the SDK version decides how many chunks count, unlike the SQL version_compare().
    if not spec or spec == "null" or spec == "0.0.0" or sdk_version == "0.0.0":
        return True
    required = [chunk for chunk in spec.split(".") if chunk]
    for index, chunk in enumerate(chunk for chunk in sdk_version.split(".") if chunk):
        if index >= len(required):
            return True
        have, need = _leading_int(chunk), _leading_int(required[index])
        if have is None or need is None:
            # osquery falls back to a string comparison that can only fail the check.
            if chunk < required[index]:
                return False
        elif have != need:
            return have > need
    return True


def _leading_int(text: str) -> int | None:
    """std::stoi: the integer at the start of text (after spaces), or None."""
    match = _LEADING_INT.match(text)
    return int(match.group()) if match else None


@dataclass(frozen=True, slots=True)
class DiscoveryStats:
    """How a pack's discovery was answered: the osquery_packs counters."""

    total: int = 0
    hits: int = 0
    misses: int = 0


@dataclass(slots=True)
class _Entry:
    checked_at: float
    discovery: tuple[str, ...]
    active: bool
    stats: DiscoveryStats


class DiscoveryCache:
    """Discovery results per pack, reused for ttl seconds (--pack_refresh_interval)."""

    def __init__(self, ttl: float, now: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self._now = now
        self._entries: dict[tuple[str, str], _Entry] = {}

    def check(self, pack: Pack, run_discovery: Callable[[str], bool]) -> bool:
        """Whether every discovery query of pack returns a row, from cache while fresh."""
        key = (pack.source, pack.name)
        now = self._now()
        entry = self._entries.get(key)
        if entry is not None and entry.discovery == pack.discovery:
            if now - entry.checked_at < self.ttl:
                entry.stats = _count(entry.stats, hit=True)
                return entry.active
            stats = entry.stats
        else:
            stats = DiscoveryStats()
        # osquery stops at the first query that fails or returns nothing.
        active = all(run_discovery(sql) for sql in pack.discovery)
        self._entries[key] = _Entry(now, pack.discovery, active, _count(stats, hit=False))
        return active

    def stats(self, pack: Pack) -> DiscoveryStats:
        """The counters of pack's discovery so far."""
        entry = self._entries.get((pack.source, pack.name))
        return entry.stats if entry is not None else DiscoveryStats()


def _count(stats: DiscoveryStats, *, hit: bool) -> DiscoveryStats:
    return DiscoveryStats(
        total=stats.total + 1,
        hits=stats.hits + (1 if hit else 0),
        misses=stats.misses + (0 if hit else 1),
    )


def expand_schedule(
    config: Config,
    *,
    hostname: str,
    sdk_version: str,
    run_discovery: Callable[[str], bool],
    platform: str = "linux",
    delimiter: str = "_",
    discovery_cache: DiscoveryCache | None = None,
) -> list[ScheduledQuery]:
    """The queries this host runs, named as they are logged (pack<d><pack><d><query>)."""
    shard = host_shard(hostname)
    cache = discovery_cache if discovery_cache is not None else DiscoveryCache(0)
    expanded: list[ScheduledQuery] = []
    seen: set[str] = set()
    for pack in config.packs:
        if not pack_applies(pack, host=shard, platform=platform, sdk_version=sdk_version):
            continue
        if not cache.check(pack, run_discovery):
            continue
        # osquery keeps a pack's queries in a std::map: they run in name order.
        for query in sorted(pack.queries, key=lambda q: q.name):
            if not (
                shard_matches(query.shard, shard)
                and platform_matches(query.platform, platform)
                and version_matches(query.version, sdk_version)
            ):
                continue
            name = scheduled_name(pack.name, query.name, delimiter)
            # Two sources may schedule the same name; one name has one state, so the first wins.
            if name in seen:
                continue
            seen.add(name)
            expanded.append(replace(query, name=name))
    return expanded


def pack_applies(pack: Pack, *, host: int, platform: str, sdk_version: str) -> bool:
    """Whether the pack's shard, platform and version restrictions admit this host."""
    return (
        shard_matches(pack.shard, host)
        and platform_matches(pack.platform, platform)
        and version_matches(pack.version, sdk_version)
    )


def scheduled_name(pack: str, query: str, delimiter: str = "_") -> str:
    """The logged name of a pack's query; queries of the main pack keep their own name."""
    if pack == MAIN_PACK:
        return query
    return f"pack{delimiter}{pack}{delimiter}{query}"
