"""The parsed configuration: plain data shared by config parsing, scheduler and runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAIN_PACK = "main"


@dataclass(frozen=True, slots=True)
class ScheduledQuery:
    """One query of the schedule, after pack expansion (name is the logged name)."""

    name: str
    query: str
    interval: int
    pack: str = MAIN_PACK
    snapshot: bool = False
    removed: bool = True
    denylist: bool = True
    platform: str = ""
    version: str = ""
    shard: int = 0
    startup_priority: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Pack:
    """A pack as configured: its queries (bare names) and the conditions it runs under."""

    name: str
    queries: tuple[ScheduledQuery, ...]
    discovery: tuple[str, ...] = ()
    platform: str = ""
    version: str = ""
    shard: int = 0
    oncall: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class Decorators:
    """Decorator queries: run at load, before every query, or every N seconds."""

    load: tuple[str, ...] = ()
    always: tuple[str, ...] = ()
    interval: tuple[tuple[int, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """One source of a config (a file of the filesystem plugin, a TLS response...)."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a loaded config says, merged across its sources in source order."""

    options: dict[str, Any] = field(default_factory=dict)
    packs: tuple[Pack, ...] = ()
    decorators: Decorators = field(default_factory=Decorators)
    views: dict[str, str] = field(default_factory=dict)
    events: dict[str, tuple[str, ...]] = field(default_factory=dict)
    file_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    file_paths_query: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    file_accesses: tuple[str, ...] = ()
    yara: dict[str, Any] = field(default_factory=dict)
    kafka_topics: dict[str, Any] = field(default_factory=dict)
    logger: dict[str, Any] = field(default_factory=dict)
    prometheus_targets: dict[str, Any] = field(default_factory=dict)
    # Every other top-level key, kept for plugins that consume it.
    extra: dict[str, Any] = field(default_factory=dict)
    sources: tuple[ConfigSource, ...] = ()
    hash: str = ""
    warnings: tuple[str, ...] = ()
