"""The watchdog's pure arithmetic: limits by level, a worker's health verdicts, respawn backoff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.flags import FlagValues

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits one watchdog level sets (osquery's WatchdogLimitType, watcher.cpp)."""

    memory_mb: int
    utilization_percent: int
    latency_s: int
    respawn_limit: int
    respawn_delay_s: int
    interval_s: float


# Columns of osquery's table: normal (0), restrictive (1), disabled (-1).
_NORMAL = Limits(200, 10, 12, 4, 5, 3)
_RESTRICTIVE = Limits(100, 5, 6, 4, 5, 3)
_DISABLED = Limits(10_000, 100, 1000, 1000, 1, 3)


def limits_for(values: FlagValues) -> Limits:
    """The limits of --watchdog_level, with the memory/utilization/latency overrides when > 0."""
    level = values["watchdog_level"]
    # Any level other than 1 and -1 falls back to the normal column, as getWorkerLimit does.
    base = {1: _RESTRICTIVE, -1: _DISABLED}.get(level, _NORMAL)
    return Limits(
        memory_mb=values["watchdog_memory_limit"] or base.memory_mb,
        utilization_percent=values["watchdog_utilization_limit"] or base.utilization_percent,
        latency_s=values["watchdog_latency_limit"] or base.latency_s,
        respawn_limit=base.respawn_limit,
        respawn_delay_s=base.respawn_delay_s,
        interval_s=base.interval_s,
    )


def cpu_limit_ms(limits: Limits, cores: int, interval_s: float | None = None) -> int:
    """CPU milliseconds a process may use per check interval: percent of every core's time."""
    seconds = limits.interval_s if interval_s is None else interval_s
    percent = min(limits.utilization_percent, 100)
    return int(percent * seconds * 1000 * cores / 100)


def respawn_delay(restarts: int, limits: Limits, max_delay: float) -> float:
    """Seconds to wait before the restarts-th quick respawn: delay + 2^restarts, capped."""
    return min(max_delay, limits.respawn_delay_s + 2**restarts)


class Sample(NamedTuple):
    """One measurement of a process: monotonic seconds, total CPU ms (user+system), RSS bytes."""

    time: float
    cpu_ms: int
    rss_bytes: int


class Verdict(NamedTuple):
    """What the watcher should do with a process: keep it, or stop it for reason."""

    stop: bool
    reason: str = ""


OK = Verdict(False)


class MemoryFootprint:
    """Resident bytes allocated since the first measurement (osquery's initial_footprint)."""

    def __init__(self, limit_mb: int) -> None:
        self.limit_mb = limit_mb
        self.baseline = 0
        self.footprint = 0

    def measure(self, rss_bytes: int) -> int:
        """Record rss_bytes and return the footprint above the baseline (0 below it)."""
        # As osquery: the baseline is the first non-zero measurement, never moved afterwards.
        if self.baseline == 0:
            self.baseline = rss_bytes
        self.footprint = max(rss_bytes - self.baseline, 0)
        return self.footprint

    @property
    def exceeded(self) -> bool:
        """Whether the last footprint is above the limit."""
        return self.footprint > self.limit_mb * MB

    def reason(self) -> str:
        """osquery's message for an exceeded memory limit."""
        return f"Memory limits exceeded: {self.footprint} bytes (limit is {self.limit_mb}MB)"


class WorkerHealth:
    """The watcher's view of one worker: a CPU-latency counter and its memory above baseline."""

    def __init__(self, limits: Limits, *, cores: int, started_at: float, delay_s: float) -> None:
        self.limits = limits
        self.cores = cores
        self.started_at = started_at
        self.delay_s = delay_s
        self.memory = MemoryFootprint(limits.memory_mb)
        self.sustained = 0
        self.cpu_delta_ms = 0
        self.last = Sample(started_at, 0, 0)

    @property
    def limit_ms(self) -> int:
        """The nominal CPU ms allowed per check interval (the figure osquery's messages show)."""
        return cpu_limit_ms(self.limits, self.cores)

    def check(self, sample: Sample) -> Verdict:
        """Account for sample and say whether the worker must be stopped."""
        elapsed = max(sample.time - self.last.time, 0.0)
        # CPU starts from 0, as osquery's counters do: the start-up CPU counts in the first check.
        self.cpu_delta_ms = sample.cpu_ms - self.last.cpu_ms
        # The allowance follows the real time between checks, so a late check (a loaded host,
        # a descheduled watcher) is not mistaken for a burst; on-time checks equal osquery's.
        if self.cpu_delta_ms > cpu_limit_ms(self.limits, self.cores, elapsed):
            self.sustained += 1
        else:
            self.sustained = 0
        self.last = sample
        self.memory.measure(sample.rss_bytes)
        # Measurements go on during watchdog_delay (the baseline is taken then); only verdicts wait.
        if sample.time < self.started_at + self.delay_s:
            return OK
        sustained_s = self.sustained * self.limits.interval_s
        if self.sustained > 0 and sustained_s >= self.limits.latency_s:
            return Verdict(
                True,
                f"Maximum sustainable CPU utilization limit {self.limit_ms}ms exceeded for "
                f"{sustained_s:g} seconds",
            )
        if self.memory.exceeded:
            return Verdict(True, self.memory.reason())
        return OK

    def describe(self, pid: int) -> str:
        """The --enable_watchdog_debug line for the last check."""
        return (
            f"pid: {pid}, cpu: {self.cpu_delta_ms}ms/{self.limit_ms}ms, "
            f"memory: {self.memory.footprint / MB:.2f}MB/{self.limits.memory_mb}MB"
        )


class Respawns:
    """osquery's quick-restart bookkeeping: a worker that lived less than the respawn limit."""

    def __init__(self, limits: Limits, max_delay: float) -> None:
        self.limits = limits
        self.max_delay = max_delay
        self.quick_restarts = 0
        self.last_start: float | None = None

    @property
    def exhausted(self) -> bool:
        """Whether the watcher must give up (`Too many worker restarts`)."""
        return self.quick_restarts >= self.limits.respawn_limit

    def before_spawn(self, now: float) -> float:
        """Seconds to wait before spawning a worker now; counts a quick restart if it is one."""
        # osquery never resets the count: a worker that lives long enough simply adds nothing.
        if self.last_start is None or now - self.last_start >= self.limits.respawn_limit:
            return 0.0
        self.quick_restarts += 1
        return respawn_delay(self.quick_restarts, self.limits, self.max_delay)

    def spawned(self, now: float) -> None:
        """Record that a worker started at now."""
        self.last_start = now
