"""FIM globs to watch targets, and exclude_paths matching (pure)."""

from __future__ import annotations

import pytest

from hostql.events.publishers.inotify_paths import (
    PathSubscription,
    PatternError,
    Target,
    excluded,
    excluded_tree,
    resolve,
    translate,
)

DIRS = {"/etc", "/etc/ssh", "/home", "/home/ann/.ssh", "/home/bo/.ssh", "/bin", "/var/log"}


def fake_expand(pattern: str) -> list[str]:
    import fnmatch

    return sorted(
        d for d in DIRS if fnmatch.fnmatchcase(d, pattern) and d.count("/") == pattern.count("/")
    )


def targets(pattern: str, **options: object) -> list[tuple[str, bool, str | None]]:
    sub = PathSubscription("file_events", "c", pattern, **options)  # type: ignore[arg-type]
    found = resolve(sub, fake_expand, lambda p: p in DIRS, lambda p: p, cwd="/home")
    return [(t.root, t.recursive, t.leaf) for t in found]


def test_translate() -> None:
    assert translate("/etc/%%") == ("/etc/", True)
    assert translate("/etc/%") == ("/etc/*", False)
    assert translate("/bin/%sh") == ("/bin/*sh", False)
    assert translate("rel/%%", cwd="/home") == ("/home/rel/", True)
    with pytest.raises(PatternError):
        translate("/etc/%%/passwd")


def test_patterns_become_targets() -> None:
    assert targets("/etc/%%") == [("/etc", True, None)]
    assert targets("/etc/") == [("/etc", False, None)]
    assert targets("/etc") == [("/etc", False, None)]  # an existing directory: its entries
    assert targets("/etc/%") == [("/etc", False, "*")]
    assert targets("/bin/%sh") == [("/bin", False, "*sh")]
    assert targets("/etc/passwd") == [("/etc", False, "passwd")]
    assert targets("/etc/pass[wd]") == [("/etc", False, "pass[wd]")]
    assert targets("/home/%/.ssh/%%") == [
        ("/home/ann/.ssh", True, None),
        ("/home/bo/.ssh", True, None),
    ]
    assert targets("/var/lo%%") == [("/var/log", True, None)]
    assert targets("/nowhere/file") == []


def test_target_covers() -> None:
    sub = PathSubscription("file_events", "c", "x")
    tree = Target(sub, "/w", True)
    assert tree.covers("/w", "/", "w") and tree.covers("/w/a/b", "/w/a", "b")
    assert not tree.covers("/wx/a", "/wx", "a")
    entries = Target(sub, "/w", False)
    assert entries.covers("/w/a", "/w", "a") and entries.covers("/w", "/w", "")
    assert not entries.covers("/w/a/b", "/w/a", "b")
    leaf = Target(sub, "/bin", False, "*sh")
    assert leaf.covers("/bin/bash", "/bin", "bash")
    assert not leaf.covers("/bin/ls", "/bin", "ls") and not leaf.covers("/bin", "/bin", "")
    assert Target(sub, "/", True).covers("/anything", "/", "anything")


def test_excludes_match_the_path_or_its_parent_component_wise() -> None:
    patterns = ("/tmp/skip/", "/home/%/cache", "/var/%%")
    assert excluded("/tmp/skip/file", patterns)  # parent matches
    assert excluded("/tmp/skip", patterns)
    assert not excluded("/tmp/skip/deeper/file", patterns)  # neither path nor parent
    assert excluded("/home/ann/cache", patterns) and excluded("/home/ann/cache/x", patterns)
    assert not excluded("/home/ann/cachex/y", patterns)
    assert excluded("/var/a/b/c", patterns) and excluded("/var", patterns)
    assert not excluded("/variable/x/y", patterns)


def test_excluded_tree_only_for_recursive_excludes() -> None:
    patterns = ("/w/skip/%%", "/w/one/%")
    assert excluded_tree("/w/skip", patterns) and excluded_tree("/w/skip/a/b", patterns)
    assert not excluded_tree("/w/one/a", patterns)  # '%' excludes events, not whole trees
    assert not excluded_tree("/w", patterns)
    tree = Target(PathSubscription("file_events", "c", "x", excludes=patterns), "/w", True)
    assert tree.wants_directory("/w/keep") and not tree.wants_directory("/w/skip/a")
    assert not tree.wants_directory("/other")
