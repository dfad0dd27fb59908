"""users: /etc/passwd rows, uid/username pushdown, namespaces, and getent on the live host."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.users import users
from hostql.testing import run_table

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
# comment
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
garbage line
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
svc:x:4294967294:4294967294:Service,,,:/var/svc:
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(PASSWD)
    return tmp_path


def row(name: str, uid: int, gid: int, description: str, home: str, shell: str) -> dict:
    return {
        "uid": uid,
        "gid": gid,
        "uid_signed": uid - 2**32 if uid >= 2**31 else uid,
        "gid_signed": gid - 2**32 if gid >= 2**31 else gid,
        "username": name,
        "description": description,
        "directory": home,
        "shell": shell,
        "uuid": None,
    }


def test_every_entry_in_file_order(root: Path) -> None:
    assert run_table(users, root=root) == [
        row("root", 0, 0, "root", "/root", "/bin/bash"),
        row("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
        row("nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"),
        row("svc", 4294967294, 4294967294, "Service,,,", "/var/svc", ""),
    ]


def test_uid_and_username_constraints(root: Path) -> None:
    assert run_table(users, "uid = 0", root=root, columns="username") == [{"username": "root"}]
    assert run_table(users, "uid in (1, 65534, 12345)", root=root, columns="username") == [
        {"username": "daemon"},
        {"username": "nobody"},
    ]
    assert run_table(users, "username = 'svc'", root=root, columns="uid_signed") == [
        {"uid_signed": -2}
    ]
    assert run_table(users, "uid = 'x'", root=root) == []


def test_hidden_columns_and_namespace(root: Path) -> None:
    assert run_table(
        users, "uid = 0", root=root, columns="pid_with_namespace, include_remote, type"
    ) == [{"pid_with_namespace": 0, "include_remote": 0, "type": None}]
    container = root / "proc" / "42" / "root" / "etc"
    container.mkdir(parents=True)
    (container / "passwd").write_text("app:x:500:500:App:/app:/bin/sh\n")
    assert run_table(
        users, "pid_with_namespace = 42", root=root, columns="username, pid_with_namespace"
    ) == [{"username": "app", "pid_with_namespace": 42}]
    assert run_table(users, "pid_with_namespace = 43", root=root) == []


def test_include_remote_reads_nothing_from_a_fixture_root(root: Path) -> None:
    assert run_table(users, "include_remote = 1", root=root) == []


def test_missing_passwd_gives_no_rows(tmp_path: Path) -> None:
    assert run_table(users, root=tmp_path) == []


def getent(database: str) -> list[list[str]]:
    out = subprocess.run(["getent", database], capture_output=True, text=True, check=True)
    return [line.split(":") for line in out.stdout.splitlines()]


@pytest.mark.live
def test_live_matches_getent_passwd() -> None:
    expected = [
        (name, int(uid), int(gid), gecos, home, shell)
        for name, _, uid, gid, gecos, home, shell in getent("passwd")
    ]
    rows = run_table(users)
    ours = [
        (r["username"], r["uid"], r["gid"], r["description"], r["directory"], r["shell"])
        for r in rows
    ]
    # getent also asks other NSS sources; every local account must be there, in order.
    assert ours == expected[: len(ours)]
    me = run_table(users, "uid = ?", os.getuid(), columns="uid")
    assert me == [{"uid": os.getuid()}]
    remote = run_table(users, "include_remote = 1", columns="username, include_remote")
    assert {r["username"] for r in remote} == {e[0] for e in expected}
    assert {r["include_remote"] for r in remote} == {1}
    mine = run_table(users, "pid_with_namespace = ?", os.getpid(), columns="username")
    assert [r["username"] for r in mine] == [r["username"] for r in rows]
