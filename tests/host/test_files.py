"""Files reader: LIKE glob expansion, recursion limits and loops, hashing and its cache."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.files import is_recursive, like_to_components
from hostql.host.hashing import HASH_CACHE, HashCache, ReadLimitExceeded, hash_file


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "a/b/c").mkdir(parents=True)
    (tmp_path / "a/b/c/leaf").write_text("leaf")
    (tmp_path / "a/file").write_text("f")
    (tmp_path / "a/.dot").mkdir()
    (tmp_path / "a/.dot/inside").write_text("i")
    (tmp_path / "a/up").symlink_to("..")
    (tmp_path / "other").mkdir()
    (tmp_path / "other/x").write_text("x")
    (tmp_path / "a/other").symlink_to("../other")
    return tmp_path


def expand(root: Path, pattern: str, folders: bool = False) -> list[str]:
    return sorted(found[0] for found in Host(root).files.expand(pattern, folders=folders))


def test_recursion_rule() -> None:
    assert is_recursive("/usr/%%")
    assert is_recursive("/usr/%%/")
    assert is_recursive("/usr/lib%%")
    assert not is_recursive("/usr/%%/bin")
    assert not is_recursive("/usr/%")


def test_components_escape_everything_but_like_wildcards() -> None:
    components = like_to_components("/a.b/[x]%/_")
    assert [c.text for c in components] == ["", "a.b", "[x]%", "_"]
    assert components[1].matcher is None
    matcher = components[2].matcher
    assert matcher is not None and matcher.match("[x]yz") and not matcher.match("xyz")
    last = components[3].matcher
    assert last is not None and last.match("q") and not last.match(".") and not last.match("qq")


def test_literal_patterns_mark_directories(tree: Path) -> None:
    assert expand(tree, "/a/file") == ["/a/file"]
    assert expand(tree, "/a/b") == ["/a/b/"]
    assert expand(tree, "/a/missing") == []
    assert expand(tree, "/") == ["/"]


def test_recursion_follows_links_but_not_into_ancestors(tree: Path) -> None:
    assert expand(tree, "/a/%%") == [
        "/a/b/",
        "/a/b/c/",
        "/a/b/c/leaf",
        "/a/file",
        "/a/other/",
        "/a/other/x",
        "/a/up/",
        "/a/up/a/",
        "/a/up/other/",
        "/a/up/other/x",
    ]


def test_folders_only_and_trailing_slash(tree: Path) -> None:
    assert expand(tree, "/a/%", folders=True) == ["/a/b/", "/a/other/", "/a/up/"]
    assert expand(tree, "/a/%/") == ["/a/b/", "/a/other/", "/a/up/"]


def test_wildcards_in_the_middle(tree: Path) -> None:
    assert expand(tree, "/%/b/%") == ["/a/b/c/"]
    # Not at the end, '%%' is glob's '**': one level, like '%'.
    assert expand(tree, "/a/%%/c") == ["/a/b/c/"]


def test_recursion_depth_is_bounded(tmp_path: Path) -> None:
    deep = tmp_path / "d"
    for _ in range(70):
        deep = deep / "n"
    deep.mkdir(parents=True)
    found = expand(tmp_path, "/d/%%")
    # The first level plus 62 more: osquery's 63 glob rounds.
    assert len(found) == 63


def test_relative_patterns_are_ignored_on_fixture_hosts(tree: Path) -> None:
    assert expand(tree, "a/%") == []


def test_list_dir_includes_dot_files(tree: Path) -> None:
    entries = sorted(found[0] for found in Host(tree).files.list_dir("/a/"))
    assert entries == ["/a/.dot", "/a/b", "/a/file", "/a/other", "/a/up"]
    assert list(Host(tree).files.list_dir("/missing")) == []


def test_hash_file_one_or_several_digests(tmp_path: Path) -> None:
    data = os.urandom(9 * 1024 * 1024 + 3)
    target = tmp_path / "blob"
    target.write_bytes(data)
    expected = {a: hashlib.new(a, data).hexdigest() for a in ("md5", "sha1", "sha256")}
    assert hash_file(str(target), ("sha256",), 1 << 30) == {"sha256": expected["sha256"]}
    both = hash_file(str(target), ("md5", "sha1", "sha256"), 1 << 30, len(data))
    assert both == expected
    with pytest.raises(ReadLimitExceeded):
        hash_file(str(target), ("md5",), 1024)


def test_digests_use_and_fill_the_cache(tmp_path: Path) -> None:
    HASH_CACHE.clear()
    target = tmp_path / "f"
    target.write_bytes(b"abc")
    files = Host(tmp_path).files
    first = files.digests(str(target), ["sha1"], read_max=100, cache_max=10)
    assert first == {"sha1": hashlib.sha1(b"abc").hexdigest()}
    assert len(HASH_CACHE) == 1
    with pytest.raises(ReadLimitExceeded):
        files.digests(str(target), ["md5"], read_max=1, cache_max=10)
    # A cached digest needs no read, whatever read_max says.
    assert files.digests(str(target), ["sha1"], read_max=1, cache_max=10) == first
    HASH_CACHE.clear()


def test_hash_cache_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = HashCache()
    stats = {}
    for name in "abc":
        (tmp_path / name).write_text(name)
        stats[name] = os.stat(tmp_path / name)
    cache.store("a", stats["a"], {"md5": "1"}, 2)
    cache.store("b", stats["b"], {"md5": "2"}, 2)
    assert cache.lookup("a", stats["a"]) == {"md5": "1"}
    cache.store("c", stats["c"], {"md5": "3"}, 2)
    assert cache.lookup("b", stats["b"]) == {}
    assert cache.lookup("a", stats["a"]) == {"md5": "1"}
    # Another inode, size or mtime under the same path is another file.
    assert cache.lookup("a", stats["c"]) == {}
    cache.store("d", stats["a"], {}, 0)
    assert len(cache) == 0


def test_birth_time_is_an_integer(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    files = Host(tmp_path).files
    assert isinstance(files.birth_time(str(tmp_path / "f")), int)
    assert files.birth_time(str(tmp_path / "missing")) == 0
