"""suid_bin: set-id files under osquery's fixed directories; live check against find(1)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.host.setid import SEARCH_PATHS
from hostql.tables.system.suid_bin import suid_bin
from hostql.testing import run_table


def _file(path: Path, mode: int, owner: tuple[int, int] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    if owner is not None:
        os.chown(path, *owner)
    path.chmod(mode)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("chown needs root")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0::/root:/bin/sh\nmail:x:8:8::/var/mail:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\nshadow:x:42:\n")
    usr_bin = tmp_path / "usr" / "bin"
    _file(usr_bin / "su", 0o4755, (0, 0))
    _file(usr_bin / "chage", 0o2755, (0, 42))
    _file(usr_bin / "both", 0o6755, (8, 4242))
    _file(usr_bin / "plain", 0o755, (0, 0))
    _file(usr_bin / "deep" / "er" / "tool", 0o4700, (31337, 0))
    (usr_bin / "link-to-su").symlink_to("su")
    (usr_bin / "dangling").symlink_to("nowhere")
    (usr_bin / "dirlink").symlink_to("deep")  # not walked
    (tmp_path / "bin").symlink_to("usr/bin")  # merged /usr: walked as /bin too
    _file(tmp_path / "opt" / "bin" / "outside", 0o4755, (0, 0))
    _file(tmp_path / "tmp" / "dropper", 0o4777, (0, 0))
    return tmp_path


def _paths(rows: list[dict]) -> set[tuple[str, str, str, str]]:
    return {(r["path"], r["username"], r["groupname"], r["permissions"]) for r in rows}


def test_rows(root: Path) -> None:
    rows = run_table(suid_bin, root=root)
    expected = set()
    for base in ("/bin", "/usr/bin"):
        expected |= {
            (f"{base}/su", "root", "root", "S"),
            (f"{base}/link-to-su", "root", "root", "S"),
            (f"{base}/chage", "root", "shadow", "G"),
            (f"{base}/both", "mail", "4242", "SG"),
            (f"{base}/deep/er/tool", "31337", "root", "S"),
        }
    expected.add(("/tmp/dropper", "root", "root", "S"))
    assert _paths(rows) == expected
    assert len(rows) == len(expected)
    # Roots are walked in osquery's order.
    order = [r["path"].split("/")[1] for r in rows]
    assert order == sorted(order, key=lambda top: ["bin", "usr", "tmp"].index(top))


def test_where_on_path(root: Path) -> None:
    rows = run_table(suid_bin, "path = '/tmp/dropper'", root=root, columns="path, permissions")
    assert rows == [{"path": "/tmp/dropper", "permissions": "S"}]


def test_empty_root(tmp_path: Path) -> None:
    assert run_table(suid_bin, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_find() -> None:
    if not shutil.which("find"):
        pytest.skip("find missing")
    roots = [p for p in SEARCH_PATHS if os.path.exists(p)]
    out = subprocess.run(
        ["find", "-H", *roots, "-type", "f", "-perm", "/6000"], capture_output=True, text=True
    ).stdout
    expected = set(out.split())
    rows = run_table(suid_bin)
    ours = {r["path"] for r in rows if not os.path.islink(r["path"])}
    # Files may appear or vanish in /tmp between the two walks.
    assert {p for p in ours if not p.startswith("/tmp/")} == {
        p for p in expected if not p.startswith("/tmp/")
    }
    for row in rows[:20]:
        owner = subprocess.run(
            ["stat", "-L", "-c", "%U %G", row["path"]], capture_output=True, text=True
        ).stdout.split()
        assert owner == [row["username"], row["groupname"]]
