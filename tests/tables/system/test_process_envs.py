"""process_envs: /proc/<pid>/environ as key/value rows, with pid pushdown."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from hostql.tables.system.process_envs import process_envs
from hostql.testing import run_table


def write_environ(root: Path, pid: int, data: bytes) -> Path:
    base = root / "proc" / str(pid)
    base.mkdir(parents=True)
    (base / "environ").write_bytes(data)
    return base


def test_rows_in_environ_order(tmp_path: Path) -> None:
    write_environ(tmp_path, 10, b"PATH=/usr/bin:/bin\0LANG=C.UTF-8\0EMPTY=\0EQ=a=b\0")
    write_environ(tmp_path, 11, b"")  # kernel threads have an empty environment
    assert run_table(process_envs, root=tmp_path) == [
        {"pid": 10, "key": "PATH", "value": "/usr/bin:/bin"},
        {"pid": 10, "key": "LANG", "value": "C.UTF-8"},
        {"pid": 10, "key": "EMPTY", "value": ""},
        {"pid": 10, "key": "EQ", "value": "a=b"},
    ]


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    write_environ(tmp_path, 10, b"NAME=caf\xe9\0")
    assert run_table(process_envs, root=tmp_path) == [
        {"pid": 10, "key": "NAME", "value": "caf\ufffd"}
    ]


def test_vanished_process_is_skipped(tmp_path: Path) -> None:
    write_environ(tmp_path, 10, b"A=1\0")
    (tmp_path / "proc" / "12").mkdir()  # exited: its files are gone
    assert run_table(process_envs, root=tmp_path, columns="pid, key") == [{"pid": 10, "key": "A"}]


def test_pid_constraint_reads_only_those_processes(tmp_path: Path) -> None:
    write_environ(tmp_path, 1, b"A=1\0")
    write_environ(tmp_path, 3, b"C=3\0")
    (write_environ(tmp_path, 2, b"") / "environ").unlink()
    (tmp_path / "proc" / "2" / "environ").mkdir()  # reading it would fail the query
    assert run_table(process_envs, "pid = ?", 1, root=tmp_path) == [
        {"pid": 1, "key": "A", "value": "1"}
    ]
    assert run_table(process_envs, "pid in (1, 3)", root=tmp_path, columns="key") == [
        {"key": "A"},
        {"key": "C"},
    ]


@pytest.mark.live
def test_live_child_environment() -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOSTQL_PROBE": "value with = sign"}
    child = subprocess.Popen(["sleep", "30"], env=env)
    try:
        time.sleep(0.1)
        rows = run_table(process_envs, "pid = ?", child.pid)
    finally:
        child.kill()
        child.wait()
    assert {(r["key"], r["value"]) for r in rows} == set(env.items())
    assert {r["pid"] for r in rows} == {child.pid}
