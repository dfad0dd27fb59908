"""The inotify publisher: FIM watches from file_paths, recursive growth, one fired event per change.

Every watch is on a directory (a watched file is watched through its parent, so an editor
replacing it by rename keeps being seen). Excluded subtrees are never watched. Directories
created later under a recursive (``%%``) path are watched as soon as their creation is
read, and their entries found at that moment are reported as CREATED, so files made in
the new directory before its watch existed are not missed. Only the run thread touches
watches: ``configure`` hands the new subscriptions over and the run loop applies them.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from hostql.events.base import Publisher, PublisherError, Subscriber
from hostql.events.publishers.inotify_paths import (
    PathSubscription,
    PatternError,
    Target,
    action_of,
    excluded,
    resolve,
    target_mask,
)
from hostql.host import inotify as ino
from hostql.host.inotify import (
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_IGNORED,
    IN_ISDIR,
    IN_MOVE_SELF,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_ONLYDIR,
    IN_Q_OVERFLOW,
    IN_UNMOUNT,
    InotifyEvent,
    WatchLimitError,
)

if TYPE_CHECKING:
    from hostql.daemon.config.model import Config
    from hostql.events.store import StatusSink
    from hostql.flags import FlagValues

# Names found by scanning a new directory are matched against its queued CREATE events
# for this long, so a file seen both ways is reported once.
_WATCH_FLAGS = IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF
_SCAN_MEMORY = 10.0
_POLL = 0.2


class InotifyPublisher(Publisher):
    """File integrity monitoring through inotify(7)."""

    name = "inotify"

    def __init__(self, values: FlagValues) -> None:
        super().__init__(values)
        self.status: StatusSink | None = None
        self.subscriptions = 0
        self.counters.update(queue_overflows=0, watch_failures=0, watches=0)
        self.cwd = os.getcwd()
        # Set by configure (any thread), applied by the run thread.
        self._handoff = threading.Lock()
        self._pending: list[PathSubscription] | None = None
        self._requested = 0
        self.applied = 0
        self.applied_event = threading.Event()
        self._subs: list[PathSubscription] = []
        self._targets: list[Target] = []
        self._inotify: ino.Inotify | None = None
        self._paths: dict[int, str] = {}
        self._wds: dict[str, int] = {}
        self._masks: dict[int, int] = {}
        self._near: dict[str, list[Target]] = {}
        self._moves: dict[int, tuple[str, int]] = {}
        self._scanned: dict[str, tuple[float, set[str]]] = {}
        self._tick = 0
        self._limit_warned = False

    # -- the Publisher contract -----------------------------------------------------------

    def configure(self, config: Config, subscribers: Iterable[Subscriber]) -> None:
        """Take the path subscriptions of the subscribers; the run loop applies them."""
        wanted: list[PathSubscription] = []
        for subscriber in subscribers:
            request = getattr(subscriber, "path_subscriptions", None)
            if callable(request):
                wanted.extend(request(config))
        with self._handoff:
            self._pending = wanted
            self._requested += 1
        self.subscriptions = len(wanted)

    def setup(self) -> None:
        """Open an inotify instance (only with --enable_file_events)."""
        if not self.values["enable_file_events"]:
            raise PublisherError("Publisher disabled via configuration")
        try:
            self._inotify = ino.Inotify()
        except OSError as exc:
            raise PublisherError(f"Could not initialize inotify: {exc.strerror}") from None
        with self._handoff:
            if self._pending is None:
                self._pending = list(self._subs)

    def run(self, stop: threading.Event) -> None:
        """Read inotify records until stop is set."""
        handle = self._inotify
        if handle is None:
            raise PublisherError("inotify is not set up")
        while not stop.is_set():
            self._apply_pending()
            if not handle.wait(_POLL):
                self._settle_moves(everything=True)
                self._forget_scans()
                continue
            data = handle.read()
            if data:
                self.handle(ino.parse_events(data))
            self._settle_moves(everything=False)

    def teardown(self) -> None:
        """Close the instance (the kernel drops its watches)."""
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None
        self._paths.clear()
        self._wds.clear()
        self._masks.clear()
        self._moves.clear()
        self._set_gauge()

    # -- introspection (tests, osquery_events) --------------------------------------------

    def watched(self) -> list[str]:
        """The watched directories, sorted."""
        return sorted(self._wds)

    def wait_applied(self, timeout: float) -> bool:
        """Wait until the last configure has been applied by the run loop."""
        deadline = time.monotonic() + timeout
        while self.applied < self._requested:
            if time.monotonic() > deadline:
                return False
            self.applied_event.wait(0.05)
            self.applied_event.clear()
        return True

    # -- configuration --------------------------------------------------------------------

    def _apply_pending(self) -> None:
        with self._handoff:
            wanted, self._pending = self._pending, None
            generation = self._requested
        if wanted is None:
            return
        targets: list[Target] = []
        for subscription in wanted:
            try:
                targets.extend(
                    resolve(
                        subscription, ino.expand_directories, ino.is_directory, _canonical, self.cwd
                    )
                )
            except PatternError as exc:
                self._warn(str(exc))
        self._subs, self._targets = wanted, targets
        self._near.clear()
        self._limit_warned = False
        desired: dict[str, int] = {}
        for target in targets:
            mask = target_mask(target)
            if target.recursive:
                directories = ino.walk_directories(
                    target.root, skip=lambda d, t=target: not t.wants_directory(d)
                )
            else:
                directories = iter([target.root] if ino.is_directory(target.root) else [])
            for directory in directories:
                desired[directory] = desired.get(directory, 0) | mask
        for directory in [d for d in self._wds if d not in desired]:
            self._unwatch(directory)
        for directory, mask in desired.items():
            if self._masks.get(self._wds.get(directory, -1)) != mask:
                self._watch(directory, mask)
        self._set_gauge()
        self.applied = generation
        self.applied_event.set()

    def _mask_for(self, directory: str) -> int:
        mask = 0
        for target in self._targets:
            if target.wants_directory(directory):
                mask |= target_mask(target)
        return mask

    def _watch(self, directory: str, mask: int) -> None:
        handle = self._inotify
        if handle is None:
            return
        budget = int(self.values["file_events_max_watches"])
        try:
            if budget and directory not in self._wds and len(self._wds) >= budget:
                raise WatchLimitError(28, "watch budget exhausted", directory)
            wd = handle.add_watch(directory, mask | _WATCH_FLAGS)
        except WatchLimitError:
            self.count("watch_failures")
            if not self._limit_warned:
                self._limit_warned = True
                limit = (
                    f"--file_events_max_watches={budget}"
                    if budget
                    else (f"fs.inotify.max_user_watches={ino.max_user_watches()}")
                )
                self._warn(
                    f"Cannot watch {directory}: the inotify watch limit is reached ({limit}); "
                    "changes in unwatched directories are not recorded"
                )
            return
        except (FileNotFoundError, NotADirectoryError):
            return  # gone since it was listed
        except OSError as exc:
            self.count("watch_failures")
            self._warn(f"Cannot watch {directory}: {exc.strerror}")
            return
        old = self._paths.get(wd)
        if old is not None and old != directory:
            self._wds.pop(old, None)  # the same directory under a new name
        self._paths[wd] = directory
        self._wds[directory] = wd
        self._masks[wd] = mask

    def _unwatch(self, directory: str) -> None:
        wd = self._wds.pop(directory, None)
        if wd is None:
            return
        self._paths.pop(wd, None)
        self._masks.pop(wd, None)
        if self._inotify is not None:
            with contextlib.suppress(OSError):  # already removed by the kernel
                self._inotify.rm_watch(wd)

    def _forget(self, wd: int) -> None:
        directory = self._paths.pop(wd, None)
        self._masks.pop(wd, None)
        if directory is not None and self._wds.get(directory) == wd:
            del self._wds[directory]

    def _set_gauge(self) -> None:
        with self.lock:
            self.counters["watches"] = len(self._wds)

    def _warn(self, message: str) -> None:
        if self.status is not None:
            self.status.warning(message)

    # -- events ---------------------------------------------------------------------------

    def handle(self, events: Iterable[InotifyEvent]) -> None:
        """Turn parsed records into fired events, keeping the watches current."""
        for event in events:
            mask = event.mask
            if mask & IN_Q_OVERFLOW:
                self.count("queue_overflows")
                continue
            directory = self._paths.get(event.wd)
            if directory is None:
                continue
            if mask & IN_IGNORED:
                self._forget(event.wd)
                continue
            if mask & (IN_MOVE_SELF | IN_UNMOUNT):
                continue
            if mask & IN_DELETE_SELF:
                # The parent's watch reports it, unless this is a watched root.
                if any(t.root == directory for t in self._targets):
                    self._emit(directory, directory, "", IN_DELETE | IN_ISDIR, 0)
                continue
            name = os.fsdecode(event.name)
            path = f"{directory.rstrip('/')}/{name}" if name else directory
            if name and self._seen_by_scan(directory, name, mask):
                continue
            self._emit(path, directory, name, mask, event.cookie)
            if name and mask & IN_ISDIR:
                self._follow_directory(path, mask, event.cookie)
        self._set_gauge()

    def _follow_directory(self, path: str, mask: int, cookie: int) -> None:
        if mask & IN_CREATE:
            self._grow(path, scan=True)
        elif mask & IN_MOVED_FROM:
            self._moves[cookie] = (path, self._tick)
        elif mask & IN_MOVED_TO:
            moved = self._moves.pop(cookie, None)
            if moved is not None:
                self._rename(moved[0], path)
            self._sync(path)

    def _emit(self, path: str, directory: str, name: str, mask: int, cookie: int) -> None:
        action = action_of(mask)
        if not action:
            return
        matches: list[tuple[str, str, bool]] = []
        for target in self._near_targets(directory):
            if not name and target.root != directory:
                continue  # a subdirectory's own watch repeats what its parent reports
            if not target.covers(path, directory, name) or not mask & target_mask(target):
                continue
            sub = target.subscription
            if sub.excludes and excluded(path, sub.excludes):
                continue
            match = (sub.subscriber, sub.category, sub.accesses)
            if match not in matches:
                matches.append(match)
        if matches:
            self.fire(
                {
                    "path": path,
                    "action": action,
                    "mask": mask,
                    "cookie": cookie,
                    "is_dir": bool(mask & IN_ISDIR),
                    "matches": tuple(matches),
                }
            )

    def _near_targets(self, directory: str) -> list[Target]:
        found = self._near.get(directory)
        if found is None:
            prefix = directory.rstrip("/") + "/"
            found = [
                t
                for t in self._targets
                if t.root == directory
                or (t.recursive and prefix.startswith(t.root.rstrip("/") + "/"))
            ]
            if len(self._near) > 50_000:
                self._near.clear()
            self._near[directory] = found
        return found

    def _grow(self, path: str, *, scan: bool) -> None:
        """Watch a new directory and everything below it that a recursive target wants."""
        if not any(t.recursive and t.wants_directory(path) for t in self._targets):
            return
        for directory in ino.walk_directories(path, skip=lambda d: not self._mask_for(d)):
            if directory not in self._wds:
                self._watch(directory, self._mask_for(directory))
            if not scan:
                continue
            found = ino.entries(directory)
            self._scanned[directory] = (time.monotonic(), {n for n, _ in found})
            for name, is_dir in sorted(found):
                child = f"{directory.rstrip('/')}/{name}"
                self._emit(child, directory, name, IN_CREATE | (IN_ISDIR if is_dir else 0), 0)

    def _seen_by_scan(self, directory: str, name: str, mask: int) -> bool:
        scanned = self._scanned.get(directory)
        if scanned is None or name not in scanned[1]:
            return False
        scanned[1].discard(name)
        return bool(mask & IN_CREATE)

    def _forget_scans(self) -> None:
        cutoff = time.monotonic() - _SCAN_MEMORY
        for directory in [d for d, (at, _) in self._scanned.items() if at < cutoff]:
            del self._scanned[directory]

    def _rename(self, old: str, new: str) -> None:
        prefix = old.rstrip("/") + "/"
        for wd, directory in list(self._paths.items()):
            if directory == old or directory.startswith(prefix):
                moved = new + directory[len(old) :]
                if self._wds.get(directory) == wd:
                    del self._wds[directory]
                self._paths[wd] = moved
                self._wds[moved] = wd
        self._near.clear()

    def _sync(self, path: str) -> None:
        """After a move into path: keep, re-mask or drop its watches, and add missing ones."""
        prefix = path.rstrip("/") + "/"
        for directory in [d for d in self._wds if d == path or d.startswith(prefix)]:
            mask = self._mask_for(directory)
            if not mask:
                self._unwatch(directory)
            elif self._masks.get(self._wds[directory]) != mask:
                self._watch(directory, mask)
        self._grow(path, scan=False)

    def _settle_moves(self, *, everything: bool) -> None:
        """A directory moved out without a MOVED_TO we watch: stop watching its tree."""
        self._tick += 1
        for cookie, (old, tick) in list(self._moves.items()):
            if everything or tick < self._tick - 1:
                del self._moves[cookie]
                prefix = old.rstrip("/") + "/"
                for directory in [d for d in self._wds if d == old or d.startswith(prefix)]:
                    self._unwatch(directory)
        if everything:
            self._set_gauge()


def _canonical(path: str) -> str:
    return os.path.realpath(path)
