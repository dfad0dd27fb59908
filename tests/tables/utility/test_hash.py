"""hash: digests of files by path and directory, read_max, the process-wide cache, live check."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostql.host import files as files_module
from hostql.host.hashing import HASH_CACHE
from hostql.tables.utility.hash import hash as hash_table
from hostql.testing import engine_for, run_table

CONTENT = b"hello hostql\n" * 1000


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    HASH_CACHE.clear()
    yield
    HASH_CACHE.clear()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    etc = tmp_path / "etc"
    (etc / "sub").mkdir(parents=True)
    (etc / "data").write_bytes(CONTENT)
    (etc / "empty").write_bytes(b"")
    (etc / ".hidden").write_bytes(b"x")
    (etc / "link").symlink_to("data")
    (etc / "dangling").symlink_to("missing")
    (etc / "sub" / "inner").write_bytes(b"inner")
    return tmp_path


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[str, ...]]]:
    """Records each (path, algorithms) the host actually hashes."""
    calls: list[tuple[str, tuple[str, ...]]] = []
    original = files_module.hash_file

    def recording(real: str, algorithms: tuple[str, ...], *args: int) -> dict[str, str]:
        calls.append((os.path.basename(real), algorithms))
        return original(real, algorithms, *args)

    monkeypatch.setattr(files_module, "hash_file", recording)
    return calls


def digests(data: bytes) -> dict[str, str]:
    return {a: hashlib.new(a, data).hexdigest() for a in ("md5", "sha1", "sha256")}


def test_path_row_has_every_digest(tree: Path) -> None:
    rows = run_table(hash_table, "path = ?", "/etc/data", root=tree)
    assert rows == [{"path": "/etc/data", "directory": "/etc", **digests(CONTENT)}]


def test_empty_file_and_symlink_to_a_file(tree: Path) -> None:
    rows = run_table(hash_table, "path IN (?, ?)", "/etc/empty", "/etc/link", root=tree)
    assert sorted((r["path"], r["sha256"]) for r in rows) == [
        ("/etc/empty", hashlib.sha256(b"").hexdigest()),
        ("/etc/link", hashlib.sha256(CONTENT).hexdigest()),
    ]


def test_directories_and_missing_paths_give_no_row(tree: Path) -> None:
    rows = run_table(hash_table, "path IN (?, ?, ?)", "/etc/sub", "/etc/dangling", "/x", root=tree)
    assert rows == []


def test_directory_hashes_its_regular_files_only(tree: Path) -> None:
    rows = run_table(hash_table, "directory = ?", "/etc", root=tree, columns="path, directory, md5")
    assert sorted((r["path"], r["directory"], r["md5"]) for r in rows) == [
        ("/etc/.hidden", "/etc", hashlib.md5(b"x").hexdigest()),
        ("/etc/data", "/etc", hashlib.md5(CONTENT).hexdigest()),
        ("/etc/empty", "/etc", hashlib.md5(b"").hexdigest()),
        ("/etc/link", "/etc", hashlib.md5(CONTENT).hexdigest()),
    ]


def test_like_patterns_expand_like_the_file_table(tree: Path) -> None:
    rows = run_table(hash_table, "path LIKE ?", "/etc/%%", root=tree, columns="path")
    assert sorted(r["path"] for r in rows) == [
        "/etc/data",
        "/etc/empty",
        "/etc/link",
        "/etc/sub/inner",
    ]
    rows = run_table(hash_table, "directory LIKE ?", "/etc/s%", root=tree, columns="path")
    assert [r["path"] for r in rows] == ["/etc/sub/inner"]


def test_only_the_used_digests_are_computed(tree: Path, hashed: list) -> None:
    rows = run_table(hash_table, "path = ?", "/etc/data", root=tree, columns="sha256")
    assert rows == [{"sha256": hashlib.sha256(CONTENT).hexdigest()}]
    assert hashed == [("data", ("sha256",))]
    run_table(hash_table, "path = ?", "/etc/data", root=tree, columns="path")
    assert len(hashed) == 1


def test_files_over_read_max_get_empty_digests_and_a_warning(tree: Path) -> None:
    engine = engine_for(hash_table, root=tree, flags={"read_max": 100})
    try:
        rows = engine.query("SELECT md5, sha1, sha256 FROM hash WHERE path = '/etc/data'")
        assert rows == [{"md5": "", "sha1": "", "sha256": ""}]
        assert engine.take_warnings() == [
            f"Cannot read /etc/data size exceeds limit: {len(CONTENT)} > 100"
        ]
    finally:
        engine.close()


def test_cache_is_reused_until_the_file_changes(tree: Path, hashed: list) -> None:
    for _ in range(3):
        run_table(hash_table, "path = ?", "/etc/data", root=tree)
    assert len(hashed) == 1
    (tree / "etc/data").write_bytes(CONTENT + b"more")
    row = run_table(hash_table, "path = ?", "/etc/data", root=tree)[0]
    assert row["sha1"] == hashlib.sha1(CONTENT + b"more").hexdigest()
    assert len(hashed) == 2


def test_cache_hashes_only_the_missing_digests(tree: Path, hashed: list) -> None:
    run_table(hash_table, "path = ?", "/etc/data", root=tree, columns="md5")
    run_table(hash_table, "path = ?", "/etc/data", root=tree)
    assert hashed == [("data", ("md5",)), ("data", ("sha1", "sha256"))]


def test_cache_keeps_at_most_hash_cache_max_files(tree: Path) -> None:
    flags = {"hash_cache_max": 2}
    run_table(hash_table, "directory = ?", "/etc", root=tree, flags=flags)
    assert len(HASH_CACHE) == 2


def test_disabled_cache_rehashes_every_query(tree: Path, hashed: list) -> None:
    flags = {"disable_hash_cache": True, "hash_delay": 0}
    for _ in range(2):
        run_table(hash_table, "path IN (?, ?)", "/etc/data", "/etc/empty", root=tree, flags=flags)
    assert len(hashed) == 4
    assert len(HASH_CACHE) == 0


@pytest.mark.live
def test_live_hash_matches_hashlib_and_sha256sum(tmp_path: Path) -> None:
    target = tmp_path / "blob"
    target.write_bytes(os.urandom(9 * 1024 * 1024 + 17))
    row = run_table(hash_table, "path = ?", str(target))[0]
    assert row == {"path": str(target), "directory": str(tmp_path), **digests(target.read_bytes())}
    output = subprocess.run(["sha256sum", str(target)], capture_output=True, text=True, check=True)
    assert row["sha256"] == output.stdout.split()[0]
