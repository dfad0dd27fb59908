"""FIM path subscriptions: file_paths globs resolved to watch targets, masks, actions (pure).

A configured pattern (``/etc/%%``, ``/home/%/.ssh/%%``, ``/bin/%sh``, ``/etc/passwd``)
becomes one or more *targets*: a directory to watch, whether everything below it counts
(``%%``), and which of its entries count (a leaf pattern, an exact name, or all).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hostql.host.inotify import (
    IN_ACCESS,
    IN_ATTRIB,
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_MODIFY,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_OPEN,
)

DEFAULT_MASK = IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY | IN_DELETE | IN_CREATE | IN_CLOSE_WRITE
DEFAULT_MASK |= IN_ATTRIB
ACCESS_MASK = IN_OPEN | IN_ACCESS
# osquery's action: the first of these bits the mask has.
ACTIONS = (
    (IN_ACCESS, "ACCESSED"),
    (IN_MODIFY, "UPDATED"),
    (IN_ATTRIB, "ATTRIBUTES_MODIFIED"),
    (IN_CLOSE_WRITE, "UPDATED"),
    (IN_OPEN, "OPENED"),
    (IN_MOVED_FROM, "MOVED_FROM"),
    (IN_MOVED_TO, "MOVED_TO"),
    (IN_CREATE, "CREATED"),
    (IN_DELETE, "DELETED"),
)


@dataclass(frozen=True, slots=True)
class PathSubscription:
    """One file_paths pattern of one category, as a subscriber asks for it."""

    subscriber: str
    category: str
    pattern: str
    accesses: bool = False
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """A watched directory and the events in it that a subscription wants."""

    subscription: PathSubscription
    root: str
    recursive: bool
    # fnmatch pattern the entry name must match (None: every entry, and the directory).
    leaf: str | None = None

    def covers(self, path: str, parent: str, name: str) -> bool:
        """Whether an event on path (entry name of parent; name '' for parent itself) counts."""
        if self.recursive:
            return path == self.root or path.startswith(_slash(self.root))
        if not name:
            return self.leaf is None and parent == self.root
        if parent != self.root:
            return False
        return self.leaf is None or fnmatch.fnmatchcase(name, self.leaf)

    def wants_directory(self, directory: str) -> bool:
        """Whether directory needs a watch for this target (excluded subtrees do not)."""
        if self.recursive:
            inside = directory == self.root or directory.startswith(_slash(self.root))
            return inside and not excluded_tree(directory, self.subscription.excludes)
        return directory == self.root


class PatternError(ValueError):
    """A file_paths pattern osquery would reject (a '%%' not at the end)."""


def translate(pattern: str, cwd: str = "/") -> tuple[str, bool]:
    """(absolute glob, recursive) of a FIM pattern: '%' is '*', a trailing '%%' recurses."""
    text = pattern.replace("%%", "**").replace("%", "*")
    if not text.startswith("/"):
        text = os.path.join(cwd, text)
    recursive = text.endswith("**")
    body = text[:-2] if recursive else text
    if "**" in body:
        raise PatternError(f"Invalid file path pattern (%% must end it): {pattern}")
    return body, recursive


def resolve(
    subscription: PathSubscription,
    expand: Callable[[str], list[str]],
    is_directory: Callable[[str], bool],
    canonical: Callable[[str], str],
    cwd: str = "/",
) -> list[Target]:
    """The targets of a subscription (wildcards before the last component expanded now)."""
    base, recursive = translate(subscription.pattern, cwd)
    if recursive:
        if base.endswith("/"):
            return [
                Target(subscription, canonical(d), True) for d in expand(base.rstrip("/") or "/")
            ]
        # '/var/log/app%%': every directory whose name starts that way, recursively.
        return [Target(subscription, canonical(d), True) for d in expand(base + "*")]
    head, _, leaf = base.rstrip("/").rpartition("/")
    head = head or "/"
    if base.endswith("/") or (not _magic(leaf) and is_directory(base)):
        # An existing directory: its entries are reported (osquery appends the '/').
        return [Target(subscription, canonical(d), False) for d in expand(base.rstrip("/") or "/")]
    # A file (or a glob of entries): its directory is watched and the leaf filters events.
    return [Target(subscription, canonical(d), False, leaf) for d in expand(head)]


def excluded(path: str, patterns: Iterable[str]) -> bool:
    """osquery's exclude_paths test: path or its parent directory matches a pattern."""
    parent = os.path.dirname(path.rstrip("/")) or "/"
    return any(_matches(path, p) or _matches(parent, p) for p in patterns)


def excluded_tree(directory: str, patterns: Iterable[str]) -> bool:
    """Whether every event at or below directory is excluded (a '%%' pattern covers it)."""
    parts = _components(directory)
    for pattern in patterns:
        comps = _components(pattern.replace("%%", "**").replace("%", "*"))
        if not comps or comps[-1] != "**":
            continue
        prefix = comps[:-1]
        if len(parts) >= len(prefix) and all(
            fnmatch.fnmatchcase(p, c) for p, c in zip(parts, prefix, strict=False)
        ):
            return True
    return False


def _matches(path: str, pattern: str) -> bool:
    parts = _components(path)
    comps = _components(pattern.replace("%%", "**").replace("%", "*"))
    if comps and comps[-1] == "**":
        prefix = comps[:-1]
        return len(parts) >= len(prefix) and all(
            fnmatch.fnmatchcase(p, c) for p, c in zip(parts, prefix, strict=False)
        )
    return len(parts) == len(comps) and all(
        fnmatch.fnmatchcase(p, c) for p, c in zip(parts, comps, strict=True)
    )


def _components(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _magic(text: str) -> bool:
    return any(c in text for c in "*?[")


def _slash(directory: str) -> str:
    return directory if directory.endswith("/") else directory + "/"


def action_of(mask: int) -> str:
    """osquery's file_events action for an inotify mask ('' if none applies)."""
    for bit, action in ACTIONS:
        if mask & bit:
            return action
    return ""


def target_mask(target: Target) -> int:
    """The inotify events a target reports."""
    return DEFAULT_MASK | (ACCESS_MASK if target.subscription.accesses else 0)
