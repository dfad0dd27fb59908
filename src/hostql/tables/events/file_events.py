"""file_events: FIM rows from the inotify publisher, with stat columns and hashes."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hostql.events.base import Event, Subscriber
from hostql.events.publishers.inotify_paths import PathSubscription
from hostql.events.tables import event_rows
from hostql.host.hashing import ALGORITHMS, ReadLimitExceeded
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

if TYPE_CHECKING:
    from hostql.daemon.config.model import Config
    from hostql.flags import FlagValues
    from hostql.host import Host

# Actions whose file content is hashed (outside file_accesses categories).
HASHED_ACTIONS = ("CREATED", "UPDATED")


@table(
    "file_events",
    "Track time/action changes to files specified in configuration data.",
    platforms=(LINUX, MACOS),
    evented=True,
    examples=(
        "select target_path, action, category, md5 from file_events",
        "select * from file_events where time > strftime('%s', 'now') - 60",
    ),
    notes="Needs --enable_file_events and file_paths in the config (hostqli: also "
    "--disable_events=false). Directories created later under a recursive (%%) path are "
    "watched as soon as they appear, and the entries found in them then are reported as "
    "CREATED. A watched file is watched through its directory, so replacing it by rename "
    "keeps being seen. Losses (queue overflows, unwatchable paths) show in osquery_events.",
    columns=[
        Column("target_path", TEXT, "The path associated with the event"),
        Column("category", TEXT, "The category of the file defined in the config"),
        Column("action", TEXT, "Change action (UPDATE, REMOVE, etc)"),
        Column("transaction_id", BIGINT, "ID used during bulk update"),
        Column("inode", BIGINT, "Filesystem inode number"),
        Column("uid", BIGINT, "Owning user ID"),
        Column("gid", BIGINT, "Owning group ID"),
        Column("mode", TEXT, "Permission bits"),
        Column("size", BIGINT, "Size of file in bytes"),
        Column("atime", BIGINT, "Last access time"),
        Column("mtime", BIGINT, "Last modification time"),
        Column("ctime", BIGINT, "Last status change time"),
        Column("md5", TEXT, "The MD5 of the file after change", collate="NOCASE"),
        Column("sha1", TEXT, "The SHA1 of the file after change", collate="NOCASE"),
        Column("sha256", TEXT, "The SHA256 of the file after change", collate="NOCASE"),
        Column("hashed", INTEGER, "1 if the file was hashed, 0 if not, -1 if hashing failed"),
        Column("time", BIGINT, "Time of file event", additional=True),
        Column("eid", TEXT, "Event ID", hidden=True),
    ],
)
def file_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered FIM rows (time constraints narrow the read)."""
    yield from event_rows(ctx, "file_events")


class FileEventsSubscriber(Subscriber):
    """Turns inotify events into file_events rows: one per matching category."""

    name = "file_events"
    publisher = "inotify"

    def __init__(self, values: FlagValues, host: Host | None = None) -> None:
        super().__init__(values)
        self._host = host
        self.subscriptions = 0

    @property
    def host(self) -> Host:
        """The host files are read from (the live machine unless given)."""
        if self._host is None:
            from hostql.host import Host

            self._host = Host()
        return self._host

    def refusal(self) -> str:
        """Why the subscriber cannot run ('' if it can)."""
        return "" if self.values["enable_file_events"] else "Subscriber disabled via configuration"

    def path_subscriptions(self, config: Config) -> list[PathSubscription]:
        """One subscription per file_paths pattern, with its category's accesses and excludes."""
        accesses = set(getattr(config, "file_accesses", ()))
        excludes = getattr(config, "exclude_paths", {}) or {}
        found = [
            PathSubscription(
                self.name,
                category,
                pattern,
                category in accesses,
                tuple(excludes.get(category, ())),
            )
            for category, patterns in (getattr(config, "file_paths", {}) or {}).items()
            for pattern in patterns
        ]
        self.subscriptions = len(found)
        return found

    def rows(self, event: Event) -> Iterator[Row]:
        """A row per category of this table the event matched."""
        mine = [m for m in event.get("matches", ()) if m[0] == self.name]
        if not mine:
            return
        path = str(event["path"])
        action = str(event["action"])
        base: Row = {
            "action": action,
            "target_path": path,
            "transaction_id": int(event.get("cookie", 0)),
        }
        base.update(self._stat(path))
        hashes: Row | None = None
        for _, category, accesses in mine:
            row = dict(base, category=category)
            # Access categories are never hashed: reading the file would report itself.
            if not accesses and action in HASHED_ACTIONS:
                if hashes is None:
                    hashes = self._hashes(path)
                row.update(hashes)
            else:
                row.update(md5="", sha1="", sha256="", hashed=0)
            yield row

    def _stat(self, path: str) -> Row:
        files = self.host.files
        real = files.real(path)
        link = files.lstat(real)
        if link is None:
            return {}  # gone already: osquery leaves the file columns out
        st = files.stat(real) if stat.S_ISLNK(link.st_mode) else link
        st = st or link
        return {
            "inode": st.st_ino,
            "uid": st.st_uid,
            "gid": st.st_gid,
            "mode": f"{st.st_mode & 0o7777:04o}",
            "size": st.st_size,
            "atime": st.st_atime_ns // 1_000_000_000,
            "mtime": st.st_mtime_ns // 1_000_000_000,
            "ctime": st.st_ctime_ns // 1_000_000_000,
        }

    def _hashes(self, path: str) -> dict[str, Any]:
        files = self.host.files
        try:
            digests = files.digests(
                files.real(path),
                ALGORITHMS,
                read_max=int(self.values["read_max"]),
                cache_max=int(self.values["hash_cache_max"]),
                use_cache=not self.values["disable_hash_cache"],
            )
        except (OSError, ReadLimitExceeded):
            # A directory, a vanished or unreadable file, or one past --read_max.
            return {"md5": "", "sha1": "", "sha256": "", "hashed": -1}
        return {
            "md5": digests.get("md5", ""),
            "sha1": digests.get("sha1", ""),
            "sha256": digests.get("sha256", ""),
            "hashed": 1,
        }
