"""process_namespaces: /proc/<pid>/ns link inodes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostql.tables.system.process_namespaces import process_namespaces
from hostql.testing import run_table


def namespaces(root: Path, pid: int, links: dict[str, str]) -> None:
    directory = root / f"proc/{pid}/ns"
    directory.mkdir(parents=True)
    for kind, target in links.items():
        (directory / kind).symlink_to(target)


def test_inodes_of_each_namespace(tmp_path: Path) -> None:
    namespaces(
        tmp_path,
        12,
        {
            "cgroup": "cgroup:[4026531835]",
            "ipc": "ipc:[4026531839]",
            "mnt": "mnt:[4026531840]",
            "net": "net:[abc]",
            "pid": "uts:[4026531836]",
            "user": "user:[4026531837]",
            "time": "time:[4026531834]",
        },
    )
    (tmp_path / "proc/13").mkdir()  # ns not readable: a row of NULLs, as in osquery
    assert run_table(process_namespaces, root=tmp_path) == [
        {"pid": 12, "cgroup_namespace": "4026531835", "ipc_namespace": "4026531839",
         "mnt_namespace": "4026531840", "net_namespace": None, "pid_namespace": None,
         "user_namespace": "4026531837", "uts_namespace": None},
        {"pid": 13, "cgroup_namespace": None, "ipc_namespace": None, "mnt_namespace": None,
         "net_namespace": None, "pid_namespace": None, "user_namespace": None,
         "uts_namespace": None},
    ]  # fmt: skip
    assert run_table(process_namespaces, "pid = 12", root=tmp_path, columns="mnt_namespace") == [
        {"mnt_namespace": "4026531840"}
    ]


@pytest.mark.live
def test_live_matches_stat_of_ns_links() -> None:
    (row,) = run_table(process_namespaces, "pid = ?", os.getpid())
    for kind in ("ipc", "mnt", "net", "pid", "user", "uts"):
        assert row[f"{kind}_namespace"] == str(os.stat(f"/proc/self/ns/{kind}").st_ino)
