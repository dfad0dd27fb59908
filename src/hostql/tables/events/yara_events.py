"""yara_events: files changed under the config's yara categories, scanned with their groups."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from hostql.events.base import Event, Subscriber
from hostql.events.publishers.inotify_paths import PathSubscription
from hostql.events.tables import event_rows
from hostql.host.yara import YaraError
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext
from hostql.tables.yara.signatures import yara_config

if TYPE_CHECKING:
    from hostql.daemon.config.model import Config
    from hostql.flags import FlagValues
    from hostql.host import Host
    from hostql.host.yara import Match, Yara

# osquery scans only files that were written or moved in (IN_CREATE/CLOSE_WRITE/MODIFY/MOVED_TO).
SCANNED_ACTIONS = ("CREATED", "UPDATED", "MOVED_TO")


@table(
    "yara_events",
    "Track YARA matches for files specified in configuration data.",
    platforms=(LINUX, MACOS, WINDOWS),
    evented=True,
    examples=(
        "select target_path, category, matches, count from yara_events",
        "select * from yara_events where time > strftime('%s', 'now') - 300",
    ),
    notes="Needs --enable_file_events (hostqli: also --disable_events=false) and a config "
    "whose yara section maps file_paths categories to signature groups: "
    '{"file_paths": {"tmp": ["/tmp/%%"]}, "yara": {"signatures": {"sigs": '
    '["/etc/hostql/yara/bad.yar"]}, "file_paths": {"tmp": ["sigs"]}}}. Each file created, '
    "written or moved into a watched path is scanned with every group of its category; "
    "only files that match give a row.",
    columns=[
        Column("target_path", TEXT, "The path scanned"),
        Column("category", TEXT, "The category of the file"),
        Column("action", TEXT, "Change action (UPDATE, REMOVE, etc)"),
        Column("matches", TEXT, "List of YARA matches"),
        Column("count", INTEGER, "Number of YARA matches"),
        Column("strings", TEXT, "Matching strings"),
        Column("tags", TEXT, "Matching tags"),
        Column("time", BIGINT, "Time of the scan"),
        Column("eid", TEXT, "Event ID", hidden=True),
        Column("transaction_id", BIGINT, "", platforms=("macos",)),
    ],
)
def yara_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered scan rows (time constraints narrow the read)."""
    yield from event_rows(ctx, "yara_events")


def yara_categories(section: Mapping[str, Any]) -> dict[str, list[str]]:
    """The yara section's file_paths: category -> signature group names."""
    found = section.get("file_paths")
    if not isinstance(found, Mapping):
        return {}
    return {
        str(category): [g for g in groups if isinstance(g, str)]
        for category, groups in found.items()
        if isinstance(groups, list)
    }


def group_files(section: Mapping[str, Any], group: str) -> list[str] | None:
    """The signature files of a group (None when the group is not configured)."""
    groups = section.get("signatures")
    files = groups.get(group) if isinstance(groups, Mapping) else None
    if not isinstance(files, list):
        return None
    return [f for f in files if isinstance(f, str)] or None


def scan_columns(
    scanner: Yara, section: Mapping[str, Any], groups: list[str], path: str
) -> Row | None:
    """matches / count / strings / tags of path scanned with each group in turn (None: failed)."""
    found: list[Match] = []
    for group in groups:
        files = group_files(section, group)
        if files is None:
            continue  # an unknown group has no rules to scan with
        try:
            found.extend(scanner.scan_file(scanner.compile_files(files), path))
        except YaraError:
            return None  # osquery's callback fails: no row
    return {
        "matches": ",".join(m.rule for m in found),
        "count": len(found),
        "strings": ",".join(f"{name}:{offset:x}" for m in found for name, offset in m.strings),
        "tags": ",".join(tag for m in found for tag in m.tags),
    }


class YaraEventsSubscriber(Subscriber):
    """Subscribes the yara categories' file_paths to inotify and scans what changes there."""

    name = "yara_events"
    publisher = "inotify"

    def __init__(self, values: FlagValues, host: Host | None = None) -> None:
        super().__init__(values)
        self._host = host
        self.section: dict[str, Any] = {}
        self.subscriptions = 0

    @property
    def host(self) -> Host:
        """The host scanned (the live machine unless given)."""
        if self._host is None:
            from hostql.host import Host

            self._host = Host()
        return self._host

    def configure(self, config: Config) -> None:
        """Keep the config's yara section (the shell's events config has none: the tables')."""
        section = getattr(config, "yara", None)
        self.section = dict(section) if isinstance(section, Mapping) else dict(yara_config())

    def path_subscriptions(self, config: Config) -> list[PathSubscription]:
        """The file_paths patterns of every category the yara section names."""
        self.configure(config)
        file_paths = getattr(config, "file_paths", {}) or {}
        excludes = getattr(config, "exclude_paths", {}) or {}
        found = [
            PathSubscription(self.name, category, pattern, False, tuple(excludes.get(category, ())))
            for category in yara_categories(self.section)
            for pattern in file_paths.get(category, ())
        ]
        self.subscriptions = len(found)
        return found

    def rows(self, event: Event) -> Iterator[Row]:
        """A row per yara category the event matched, when its file matches some rule."""
        action = str(event.get("action", ""))
        if action not in SCANNED_ACTIONS or event.get("is_dir"):
            return
        categories = yara_categories(self.section)
        path = str(event["path"])
        for subscriber, category, _ in event.get("matches", ()):
            if subscriber != self.name or category not in categories:
                continue
            columns = scan_columns(self.host.yara, self.section, categories[category], path)
            if columns is None or not columns["matches"]:
                continue
            yield {"target_path": path, "category": category, "action": action, **columns}
