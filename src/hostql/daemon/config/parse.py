"""Config sources to a Config: keys, packs and osquery's merging across sources (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import Any

from hostql.daemon.config.json_text import SPACE, JsonObject, load_json
from hostql.daemon.config.model import MAIN_PACK, Config, ConfigSource, Decorators, Pack
from hostql.daemon.config.packs import parse_pack, to_size
from hostql.errors import ConfigError

# Keys osquery's config parser plugins read; a scalar there is "should be an array or object".
_PARSER_KEYS = (
    "options", "decorators", "views", "events", "file_paths", "file_paths_query",
    "exclude_paths", "file_accesses", "yara", "kafka_topics", "logger", "prometheus_targets",
    "auto_table_construction", "feature_vectors",
)  # fmt: skip
_KNOWN_KEYS = frozenset({"schedule", "packs", *_PARSER_KEYS})
_LAST_SOURCE_WINS = ("yara", "kafka_topics", "prometheus_targets")

# path -> the text of a pack given as a string (ConfigError when it cannot be read).
ReadPack = Callable[[str], str]
# pattern -> the files of a "*" multi-pack.
GlobPacks = Callable[[str], Sequence[str]]


def parse_sources(
    sources: Sequence[ConfigSource],
    *,
    resolve_pack: ReadPack | None = None,
    glob_packs: GlobPacks | None = None,
    schedule_default_interval: int = 3600,
) -> Config:
    """Parse and merge every source (in name order, as osquery does); ConfigError if one is bad."""
    by_name = {source.name: source for source in sources}
    ordered = [by_name[name] for name in sorted(by_name)]
    merged = _Merged(resolve_pack, glob_packs, schedule_default_interval)
    for source in ordered:
        merged.add(source.name, load_json(source.text, source.name))
    return merged.build(tuple(ordered), config_hash(ordered))


def config_hash(sources: Sequence[ConfigSource]) -> str:
    """osquery's config hash: SHA-1 over each source's SHA-1 hex digest, in name order."""
    digests = "".join(
        hashlib.sha1(source.text.encode("utf-8", "surrogatepass")).hexdigest()
        for source in sorted(sources, key=lambda s: s.name)
    )
    return hashlib.sha1(digests.encode("ascii")).hexdigest()


class _Merged:
    """Accumulates sources in order, with each key's osquery merge rule."""

    def __init__(
        self, resolve_pack: ReadPack | None, glob_packs: GlobPacks | None, default_interval: int
    ) -> None:
        self.resolve_pack = resolve_pack
        self.glob_packs = glob_packs
        self.default_interval = default_interval
        self.warnings: list[str] = []
        self.options: dict[str, Any] = {}
        self.packs: list[Pack] = []
        self.main_queries: dict[str, str] = {}
        self.load: list[str] = []
        self.always: list[str] = []
        self.intervals: dict[int, list[str]] = {}
        self.views: dict[str, str] = {}
        self.events: dict[str, tuple[str, ...]] = {}
        self.file_paths: dict[str, list[str]] = {}
        self.file_paths_query: dict[str, list[str]] = {}
        self.exclude_paths: dict[str, tuple[str, ...]] = {}
        self.file_accesses: set[str] = set()
        self.objects: dict[str, dict[str, Any]] = {key: {} for key in _LAST_SOURCE_WINS}
        self.logger: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}

    def add(self, source: str, document: JsonObject) -> None:
        """Merge one source's document."""
        self._add_packs(source, document)
        for key in _PARSER_KEYS:
            value = document.get(key)
            if value is not None and not isinstance(value, dict | list):
                self.warnings.append(f"Error config {key} should be an array or object")
        options = self._object(document, "options", source)
        self.options.update(options or {})
        self._add_decorators(source, document.get("decorators"))
        views = self._object(document, "views", source)
        if views is not None:
            self.views = {k: v for k, v in views.items() if isinstance(v, str) and v}
        events = self._object(document, "events", source)
        if events is not None:
            self.events = {k: _strings(v) for k, v in events.items() if isinstance(v, list)}
        self._add_files(source, document)
        for key in _LAST_SOURCE_WINS:
            value = self._object(document, key, source)
            if value is not None:
                self.objects[key] = dict(value)
        # osquery's logger parser forgets the key for every source that lacks it.
        self.logger = dict(self._object(document, "logger", source) or {})
        for key, value in document.items():
            if key not in _KNOWN_KEYS:
                self.warnings.append(
                    f"Ignoring unknown config key {key} in config source: {source}"
                )
            if key not in _KNOWN_KEYS or key in ("auto_table_construction", "feature_vectors"):
                self.extra[key] = value

    def _object(self, document: JsonObject, key: str, source: str) -> dict[str, Any] | None:
        value = document.get(key)
        if isinstance(value, list):
            self.warnings.append(
                f"Error config {key} should be an object in config source: {source}"
            )
        return value if isinstance(value, dict) else None

    def _add_packs(self, source: str, document: JsonObject) -> None:
        # Packs are keyed by (name, source): a later pack of the same name replaces the earlier.
        packs: dict[str, Pack] = {}
        schedule = document.get("schedule")
        if isinstance(schedule, dict):
            self._add_pack(packs, MAIN_PACK, {"queries": schedule}, source)
        elif schedule is not None:
            self.warnings.append(
                f"Error config schedule should be an object in config source: {source}"
            )
        listed = document.get("packs")
        if isinstance(listed, dict):
            for name, value in listed.items():
                if isinstance(value, str):
                    self._add_resource(packs, name, value, source)
                elif name == "*" and isinstance(value, dict):
                    for inner, pack in value.items():
                        self._add_pack(packs, inner, pack, source)
                else:
                    self._add_pack(packs, name, value, source)
        elif listed is not None:
            self.warnings.append(
                f"Error config packs should be an object in config source: {source}"
            )
        self.packs.extend(packs.values())

    def _add_pack(self, packs: dict[str, Pack], name: str, value: Any, source: str) -> None:
        if not isinstance(value, dict):
            self.warnings.append(f"Error parsing pack: {name}: the value should be an object")
            return
        pack, warnings = parse_pack(
            name, value, source=source, default_interval=self.default_interval
        )
        self.warnings.extend(warnings)
        packs.pop(name, None)
        packs[name] = pack
        if name == MAIN_PACK:
            for query in pack.queries:
                first = self.main_queries.setdefault(query.name, source)
                if first != source:
                    self.warnings.append(
                        f"Query {query.name} of config source {source} is already scheduled by "
                        f"{first}; the first is used"
                    )

    def _add_resource(self, packs: dict[str, Pack], name: str, target: str, source: str) -> None:
        """A pack given as a string: a path, or a glob of pack files when its name is "*"."""
        if name != "*":
            document = self._read_pack(
                target,
                f"Error reading the query pack named: {name}",
                f'Error parsing the "{name}" pack JSON',
            )
            if document is not None:
                self._add_pack(packs, name, document, source)
            return
        if self.glob_packs is None:
            self.warnings.append(f"Cannot expand multi-pack pattern: {target}")
            return
        for path in self.glob_packs(target):
            document = self._read_pack(
                path, f"Cannot read multi-pack file: {path}", f"Cannot read multi-pack JSON: {path}"
            )
            if document is not None:
                self._add_pack(packs, PurePath(path).stem, document, source)

    def _read_pack(self, path: str, unread: str, unparsed: str) -> JsonObject | None:
        if self.resolve_pack is None:
            self.warnings.append(f"{unread}: no pack reader")
            return None
        try:
            text = self.resolve_pack(path)
        except ConfigError as exc:
            self.warnings.append(f"{unread}: {exc}")
            return None
        if not text.strip(SPACE):
            self.warnings.append(f"{unread}: {path} is empty")
            return None
        try:
            return load_json(text, path)
        except ConfigError as exc:
            self.warnings.append(f"{unparsed}: {exc}")
            return None

    def _add_decorators(self, source: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            if isinstance(value, list):
                self.warnings.append(
                    "Invalid format for decorators configuration, decorators value must be a "
                    "JSON object"
                )
            return
        for point, target in (("load", self.load), ("always", self.always)):
            queries = value.get(point)
            if isinstance(queries, list):
                target.extend(_strings(queries))
            elif queries is not None:
                self.warnings.append(
                    f"Invalid decorator {point} configuration in config source: {source}"
                )
        intervals = value.get("interval")
        if intervals is None:
            return
        if not isinstance(intervals, dict):
            self.warnings.append(
                f"Invalid decorator interval configuration in config source: {source}"
            )
            return
        for key, queries in intervals.items():
            rate = to_size(key)
            # A rate of 0 would divide by zero in the scheduler: rejected, unlike osquery.
            if rate <= 0 or rate % 60:
                self.warnings.append(
                    f"Invalid decorator interval rate {key} in config source: {source}"
                )
            elif not isinstance(queries, list):
                self.warnings.append(
                    f"Invalid decorator interval rate {rate} configuration in config source: "
                    f"{source}"
                )
            else:
                self.intervals.setdefault(rate, []).extend(_strings(queries))

    def _add_files(self, source: str, document: JsonObject) -> None:
        paths = self._object(document, "file_paths", source)
        queries = self._object(document, "file_paths_query", source)
        accesses = document.get("file_accesses")
        excludes = self._object(document, "exclude_paths", source)
        if paths is None and queries is None:
            # osquery's file_paths parser returns before reading these two keys.
            for key, value in (("file_accesses", accesses), ("exclude_paths", excludes)):
                if value is not None:
                    self.warnings.append(
                        f"Ignoring {key} in config source: {source}: it applies only with "
                        "file_paths or file_paths_query in the same source"
                    )
            return
        for key, found, target in (
            ("file_paths", paths, self.file_paths),
            ("file_paths_query", queries, self.file_paths_query),
        ):
            for category, items in (found or {}).items():
                if isinstance(items, list):
                    target.setdefault(category, []).extend(s for s in _strings(items) if s)
                else:
                    self.warnings.append(f"Error config {key}.{category} should be an array")
        if isinstance(accesses, list):
            self.file_accesses.update(_strings(accesses))
        elif isinstance(accesses, dict):
            self.warnings.append(
                f"Error config file_accesses should be an array in config source: {source}"
            )
        for category, items in (excludes or {}).items():
            if isinstance(items, list):
                self.exclude_paths[category] = _strings(items)

    def build(self, sources: tuple[ConfigSource, ...], digest: str) -> Config:
        """The merged Config."""
        return Config(
            options=self.options,
            packs=tuple(self.packs),
            decorators=Decorators(
                load=tuple(self.load),
                always=tuple(self.always),
                interval=tuple((rate, tuple(q)) for rate, q in sorted(self.intervals.items())),
            ),
            views=self.views,
            events=self.events,
            file_paths={k: tuple(v) for k, v in self.file_paths.items()},
            file_paths_query={k: tuple(v) for k, v in self.file_paths_query.items()},
            exclude_paths=self.exclude_paths,
            file_accesses=tuple(sorted(self.file_accesses)),
            yara=self.objects["yara"],
            kafka_topics=self.objects["kafka_topics"],
            logger=self.logger,
            prometheus_targets=self.objects["prometheus_targets"],
            extra=self.extra,
            sources=sources,
            hash=digest,
            warnings=tuple(self.warnings),
        )


def _strings(items: list[Any]) -> tuple[str, ...]:
    return tuple(item for item in items if isinstance(item, str))
