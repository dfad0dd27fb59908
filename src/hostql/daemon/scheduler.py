"""The scheduler's timing, as osquery's: splay, due queries, drift, denylist (pure, no clock)."""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Mapping, Sequence

from hostql.daemon.config.model import Decorators, ScheduledQuery

DEFAULT_SPLAY_PERCENT = 10
DENYLIST_SECONDS = 86_400
DECORATOR_STEP = 60

_INTEGER = re.compile(r"[+-]?\d+")


def _float32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def effective_splay_percent(percent: int) -> int:
    """--schedule_splay_percent as packs apply it: values of 1 or less become 10."""
    return DEFAULT_SPLAY_PERCENT if percent <= 1 else percent


def splay_bounds(interval: int, percent: int) -> tuple[int, int]:
    """The range a splayed interval is drawn from: interval ± interval·percent/100, at least 1."""
    percent = effective_splay_percent(percent)
    if percent > 100:
        return interval, interval
    # osquery scales in single-precision float and truncates, e.g. 7 s at 10 % splays by 0.
    difference = int(_float32(_float32(interval) * _float32(percent / 100)))
    return max(1, interval - difference), interval + difference


def splayed_interval(interval: int, percent: int, rng: random.Random) -> int:
    """A random interval within splay_bounds (the fixed interval when the range is empty)."""
    low, high = splay_bounds(interval, percent)
    return high if low >= high else rng.randint(low, high)


def format_persisted_splay(interval: int, splayed: int) -> str:
    """The stored form of a splayed interval: "<interval>:<splayed>"."""
    return f"{interval}:{splayed}"


def _tokens(text: str) -> list[str]:
    # osquery::split drops empty fields and trims the rest.
    return [token.strip() for token in text.split(":") if token.strip()]


def parse_persisted_splay(text: str, interval: int) -> int | None:
    """The stored splayed interval if it was drawn for this same interval, else None."""
    tokens = _tokens(text)
    if len(tokens) != 2 or not all(_INTEGER.fullmatch(token) for token in tokens):
        return None
    last_interval, last_splay = int(tokens[0]), int(tokens[1])
    if last_interval == interval and last_splay > 0:
        return last_splay
    return None


def restore_splay(
    interval: int, persisted: str | None, percent: int, rng: random.Random
) -> tuple[int, str]:
    """(splayed interval, value to persist): the stored splay reused, else a fresh draw."""
    if persisted:
        reused = parse_persisted_splay(persisted, interval)
        if reused is not None:
            return reused, persisted
    splayed = splayed_interval(interval, percent, rng)
    return splayed, format_persisted_splay(interval, splayed)


def due(
    queries: Sequence[ScheduledQuery],
    step: int,
    splayed: Mapping[str, int],
    first_step: bool,
) -> list[ScheduledQuery]:
    """Queries to run at this step: startup_priority ones first (on the first step), then those
    whose splayed interval divides the step, each at most once."""
    chosen: list[ScheduledQuery] = []
    seen: set[str] = set()
    if first_step:
        startup = [query for query in queries if query.startup_priority is not None]
        startup.sort(key=lambda query: (query.startup_priority, query.name))
        chosen.extend(startup)
        seen.update(query.name for query in startup)
    for query in queries:
        interval = splayed.get(query.name, query.interval)
        if interval > 0 and step % interval == 0 and query.name not in seen:
            chosen.append(query)
            seen.add(query.name)
    return chosen


def next_step_delay(
    elapsed: float, accumulated_drift: float, max_drift: float, interval: float = 1.0
) -> tuple[float, float]:
    """(seconds to sleep, new drift) after a step that took elapsed seconds.

    A short step sleeps off the rest of its second minus the drift owed; a long one adds its
    overrun to the drift and sleeps not at all, and drift beyond max_drift is forgiven.
    """
    if elapsed + accumulated_drift < interval:
        return interval - elapsed - accumulated_drift, 0.0
    drift = accumulated_drift + elapsed - interval
    return 0.0, (0.0 if drift > max_drift else drift)


def interval_decorators_due(step: int, decorators: Decorators) -> list[str]:
    """The interval decorator queries to run at this step, shortest interval first."""
    if step % DECORATOR_STEP != 0:
        return []
    queries: list[str] = []
    for seconds, sqls in sorted(decorators.interval, key=lambda entry: entry[0]):
        if seconds > 0 and step % seconds == 0:
            queries.extend(sqls)
    return queries


def parse_denylist(text: str, now: int) -> dict[str, int]:
    """configurations/failed_queries ("name:expiry[:name:expiry...]") minus expired entries."""
    tokens = _tokens(text)
    if not tokens or len(tokens) % 2:
        return {}
    denylist: dict[str, int] = {}
    for name, expiry_text in zip(tokens[::2], tokens[1::2], strict=True):
        expiry = int(expiry_text) if _INTEGER.fullmatch(expiry_text) else 0
        if expiry > 0 and now < expiry:
            denylist[name] = expiry
    return denylist


def format_denylist(denylist: Mapping[str, int]) -> str:
    """The stored form of a denylist, names in order."""
    return ":".join(f"{name}:{denylist[name]}" for name in sorted(denylist))


def denylist_failed_query(
    denylist: Mapping[str, int], name: str, now: int, seconds: int = DENYLIST_SECONDS
) -> dict[str, int]:
    """The denylist with a query that was executing when the worker died added for a day."""
    updated = dict(denylist)
    updated[name] = now + seconds
    return updated


def is_denylisted(
    name: str,
    now: int,
    denylist: Mapping[str, int],
    query_denylist_enabled: bool,
    event_only: bool,
    *,
    enforce_events: bool = False,
) -> bool:
    """Whether a query is skipped: listed and not yet expired, unless the query opts out with
    "denylist": false or reads only event tables (without --events_enforce_denylist)."""
    expiry = denylist.get(name)
    if expiry is None or now > expiry:
        return False
    if event_only and not enforce_events:
        return False
    return query_denylist_enabled
