"""npm_packages: package.json trees, scoped and nested packages, depth limits, bad manifests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.packages.npm_packages import npm_packages
from hostql.testing import engine_for, run_table


def manifest(directory: Path, document: object, *, raw: bytes | None = None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = raw if raw is not None else json.dumps(document).encode()
    (directory / "package.json").write_bytes(data)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    modules = tmp_path / "usr" / "lib" / "node_modules"
    manifest(modules / "alpha", {"name": "alpha", "version": "1.0.0", "description": "first",
                                 "author": "Ann <ann@example.org>", "license": "MIT",
                                 "homepage": "https://alpha.example"})  # fmt: skip
    manifest(modules / "@scope" / "beta", {"name": "@scope/beta", "version": "2.0.0",
                                           "author": {"name": "Bob", "email": "b@example.org"},
                                           "license": {"type": "BSD", "url": "https://l.example"},
                                           "description": ["not", "a", "string"]})  # fmt: skip
    nested = modules / "alpha" / "node_modules" / "gamma"
    manifest(nested, {"name": "gamma", "version": "0.1.0", "author": {"email": "x@example.org"}})
    manifest(nested / "node_modules" / "delta", {"name": "delta", "version": "3"})
    # A loop back to alpha must not be walked forever.
    (nested / "node_modules" / "delta" / "node_modules").mkdir()
    (nested / "node_modules" / "delta" / "node_modules" / "again").symlink_to("../../../../..")
    manifest(modules / "bom", {}, raw=b'\xef\xbb\xbf{"name": "bom", "version": "1.0.0"}')
    manifest(modules / "broken", {}, raw=b'{"name": "broken",')
    manifest(modules / ".bin", {"name": "hidden"})
    manifest(tmp_path / "srv" / "app" / "node_modules" / "zeta", {"name": "zeta"})
    return tmp_path


MODULES = "/usr/lib/node_modules"
GAMMA = f"{MODULES}/alpha/node_modules/gamma"
AGAIN = f"{GAMMA}/node_modules/delta/node_modules/again"


def test_default_sites_walk_nested_trees(root: Path) -> None:
    rows = run_table(npm_packages, root=root)
    # Depth first, the last package found walked first, as osquery's stack does.
    assert [(r["name"], r["depth"], r["path"]) for r in rows] == [
        ("alpha", 0, f"{MODULES}/alpha/package.json"),
        ("bom", 0, f"{MODULES}/bom/package.json"),
        ("@scope/beta", 0, f"{MODULES}/@scope/beta/package.json"),
        ("gamma", 1, f"{GAMMA}/package.json"),
        ("delta", 2, f"{GAMMA}/node_modules/delta/package.json"),
        # The symlink back to alpha is followed once: its own inode is new, the rest is not.
        ("alpha", 3, f"{AGAIN}/package.json"),
        ("gamma", 4, f"{AGAIN}/node_modules/gamma/package.json"),
    ]
    assert {r["directory"] for r in rows} == {"/usr/lib/"}


def test_fields_follow_osquery_rules(root: Path) -> None:
    rows = run_table(npm_packages, "directory = '/usr/lib' and max_depth = 0", root=root)
    assert rows == [
        {"name": "alpha", "version": "1.0.0", "description": "first",
         "author": "Ann <ann@example.org>", "license": "MIT", "homepage": "https://alpha.example",
         "path": "/usr/lib/node_modules/alpha/package.json", "directory": "/usr/lib", "depth": 0},
        {"name": "bom", "version": "1.0.0", "description": None, "author": None, "license": None,
         "homepage": None, "path": "/usr/lib/node_modules/bom/package.json",
         "directory": "/usr/lib", "depth": 0},
        {"name": "@scope/beta", "version": "2.0.0", "description": "", "author": "Bob",
         "license": "https://l.example", "homepage": None,
         "path": "/usr/lib/node_modules/@scope/beta/package.json", "directory": "/usr/lib",
         "depth": 0},
    ]  # fmt: skip


def test_max_depth_limits_nesting(root: Path) -> None:
    depths = {
        limit: sorted(
            r["depth"]
            for r in run_table(npm_packages, "max_depth = ?", limit, root=root, columns="depth")
        )
        for limit in (0, 1, -1)
    }
    assert depths == {0: [0, 0, 0], 1: [0, 0, 0, 1], -1: [0, 0, 0, 1, 2, 3, 4]}


def test_directory_pushdown_and_bad_manifest_warning(root: Path) -> None:
    engine = engine_for(npm_packages, root=root)
    rows = engine.execute("select name from npm_packages where directory = '/srv/app'").rows
    assert rows == [("zeta",)]
    assert engine.env.warnings == []
    engine.execute("select name from npm_packages where directory = '/usr/lib'")
    assert len(engine.env.warnings) == 1
    assert engine.env.warnings[0].startswith(
        "npm_packages: skipped /usr/lib/node_modules/broken/package.json: "
    )
    engine.close()


@pytest.mark.live
@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_live_global_packages_match_npm_ls() -> None:
    out = subprocess.run(
        ["npm", "ls", "-g", "--depth=0", "--json"], capture_output=True, text=True, check=True
    ).stdout
    prefix = subprocess.run(
        ["npm", "prefix", "-g"], capture_output=True, text=True, check=True
    ).stdout.strip()
    expected = {(n, d["version"]) for n, d in json.loads(out).get("dependencies", {}).items()}
    rows = run_table(npm_packages, "directory = ? and max_depth = 0", f"{prefix}/lib")
    assert {(r["name"], r["version"]) for r in rows} == expected
