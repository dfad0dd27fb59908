"""user_groups: getgrouplist() over /etc/passwd and /etc/group, with uid pushdown."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.user_groups import user_groups
from hostql.testing import run_table

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:100::/home/bob:/bin/sh
alias:x:1000:1000:Same uid as alice:/home/alice:/bin/bash
"""
GROUP = """\
root:x:0:
users:x:100:alice
wheel:x:10:alice,bob
alice:x:1000:
audio:x:29:bob,alice
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(PASSWD)
    (tmp_path / "etc" / "group").write_text(GROUP)
    return tmp_path


def test_primary_then_member_groups(root: Path) -> None:
    assert run_table(user_groups, root=root) == [
        {"uid": 0, "gid": 0},
        {"uid": 1000, "gid": 1000},
        {"uid": 1000, "gid": 100},
        {"uid": 1000, "gid": 10},
        {"uid": 1000, "gid": 29},
        {"uid": 1001, "gid": 100},
        {"uid": 1001, "gid": 10},
        {"uid": 1001, "gid": 29},
    ]


def test_uid_constraint(root: Path) -> None:
    assert run_table(user_groups, "uid = 1001", root=root, columns="gid") == [
        {"gid": 100},
        {"gid": 10},
        {"gid": 29},
    ]
    assert run_table(user_groups, "uid in (0, 5)", root=root) == [{"uid": 0, "gid": 0}]


def test_without_group_file_only_primary_groups(root: Path) -> None:
    (root / "etc" / "group").unlink()
    assert run_table(user_groups, "uid = 1000", root=root) == [{"uid": 1000, "gid": 1000}]


@pytest.mark.live
def test_live_matches_id() -> None:
    out = subprocess.run(["getent", "passwd"], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines()[:10]:
        name, _, uid, _ = line.split(":", 3)
        ids = subprocess.run(["id", "-G", name], capture_output=True, text=True, check=True)
        expected = {int(g) for g in ids.stdout.split()}
        rows = run_table(user_groups, "uid = ?", int(uid), columns="gid")
        assert {r["gid"] for r in rows} == expected, name
