"""shadow: /etc/shadow as glibc parses it; live check against `getent shadow`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.shadow import shadow
from hostql.testing import engine_for, run_table


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "shadow").write_text(
        "root:$6$abc$def:19500:0:99999:7:::\nalice:!:19000:1:90:7:14:20000:\n"
        "garbage\nbob::19001:0:99999:7:::\n"
    )
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(shadow, root=root) == [
        {"password_status": "active", "hash_alg": "6", "last_change": 19500, "min": 0,
         "max": 99999, "warning": 7, "inactive": -1, "expire": -1, "flag": None,
         "username": "root"},
        {"password_status": "locked", "hash_alg": None, "last_change": 19000, "min": 1,
         "max": 90, "warning": 7, "inactive": 14, "expire": 20000, "flag": None,
         "username": "alice"},
        {"password_status": "empty", "hash_alg": None, "last_change": 19001, "min": 0,
         "max": 99999, "warning": 7, "inactive": -1, "expire": -1, "flag": None,
         "username": "bob"},
    ]  # fmt: skip


def test_username_pushdown(root: Path) -> None:
    rows = run_table(shadow, "username IN ('bob', 'nobody')", root=root, columns="username")
    assert rows == [{"username": "bob"}]


def test_unreadable_shadow_warns(root: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    (root / "etc" / "shadow").chmod(0)
    engine = engine_for(shadow, root=root)
    assert engine.query("SELECT * FROM shadow") == []
    assert engine.take_warnings()


def test_missing_shadow(tmp_path: Path) -> None:
    assert run_table(shadow, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_getent() -> None:
    if os.geteuid() != 0 or not shutil.which("getent"):
        pytest.skip("needs root and getent")
    out = subprocess.run(["getent", "shadow"], capture_output=True, text=True).stdout
    expected = []
    for line in out.splitlines():
        fields = line.split(":")
        expected.append((fields[0], int(fields[2]) if fields[2] else -1))
    rows = run_table(shadow)
    assert [(r["username"], r["last_change"]) for r in rows] == expected
