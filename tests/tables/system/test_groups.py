"""groups: /etc/group rows, gid pushdown, and getent on the live host."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.groups import groups
from hostql.testing import run_table

GROUP = """\
root:x:0:
daemon:x:1:
# comment
bad line
sudo:x:27:alice,bob
again:x:27:
nogroup:x:65534:
big:x:4294967295:
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "group").write_text(GROUP)
    return tmp_path


def test_one_row_per_gid(root: Path) -> None:
    assert run_table(groups, root=root) == [
        {"gid": 0, "gid_signed": 0, "groupname": "root"},
        {"gid": 1, "gid_signed": 1, "groupname": "daemon"},
        {"gid": 27, "gid_signed": 27, "groupname": "sudo"},
        {"gid": 65534, "gid_signed": 65534, "groupname": "nogroup"},
        {"gid": 4294967295, "gid_signed": -1, "groupname": "big"},
    ]


def test_gid_constraint(root: Path) -> None:
    assert run_table(groups, "gid = 27", root=root, columns="groupname") == [{"groupname": "sudo"}]
    assert run_table(groups, "gid in (0, 1, 5)", root=root, columns="groupname") == [
        {"groupname": "root"},
        {"groupname": "daemon"},
    ]
    assert run_table(groups, "gid = 5", root=root) == []


def test_namespace_and_hidden_columns(root: Path) -> None:
    assert run_table(groups, "gid = 0", root=root, columns="pid_with_namespace, comment") == [
        {"pid_with_namespace": 0, "comment": None}
    ]
    container = root / "proc" / "42" / "root" / "etc"
    container.mkdir(parents=True)
    (container / "group").write_text("app:x:500:\n")
    assert run_table(
        groups, "pid_with_namespace = 42", root=root, columns="groupname, pid_with_namespace"
    ) == [{"groupname": "app", "pid_with_namespace": 42}]


def test_missing_group_file_gives_no_rows(tmp_path: Path) -> None:
    assert run_table(groups, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_getent_group() -> None:
    out = subprocess.run(["getent", "group"], capture_output=True, text=True, check=True)
    expected: dict[int, str] = {}
    for line in out.stdout.splitlines():
        name, _, gid, _ = line.split(":", 3)
        expected.setdefault(int(gid), name)
    ours = {r["gid"]: r["groupname"] for r in run_table(groups)}
    assert ours.items() <= expected.items()
    assert len(ours) == len(expected)  # no NSS source beyond files on this machine
    assert run_table(groups, "gid = 0", columns="groupname") == [{"groupname": expected[0]}]
