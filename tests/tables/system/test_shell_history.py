"""shell_history: bash, zsh and plain history files of the selected users."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from hostql.tables.system.shell_history import shell_history
from hostql.testing import run_table

ME = os.getuid()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\npat:x:9001:9001::/home/pat:/bin/zsh\n"
    )
    pat = tmp_path / "home" / "pat"
    (pat / ".bash_sessions").mkdir(parents=True)
    (pat / ".bash_history").write_text("#1690000000\nls -l\nvim notes\n")
    (pat / ".zsh_history").write_bytes(b": 1690000100:0;git status\n: 1690000200:3;make \xff\n")
    (pat / ".sh_history").write_text("echo sh")
    (pat / ".bash_sessions" / "A1.history").write_text("pwd\n")
    (pat / ".bash_sessions" / "A1.historynew").write_text("ignored\n")
    (tmp_path / "home" / "me").mkdir()
    (tmp_path / "home" / "me" / ".history").write_text("mine\n")
    return tmp_path


def test_rows(root: Path) -> None:
    home = "/home/pat"
    assert run_table(shell_history, "uid = 9001", root=root) == [
        {"uid": 9001, "time": 1690000000, "command": "ls -l",
         "history_file": f"{home}/.bash_history"},
        {"uid": 9001, "time": 0, "command": "vim notes", "history_file": f"{home}/.bash_history"},
        {"uid": 9001, "time": 1690000100, "command": "git status",
         "history_file": f"{home}/.zsh_history"},
        {"uid": 9001, "time": 1690000200, "command": "make \ufffd",
         "history_file": f"{home}/.zsh_history"},
        {"uid": 9001, "time": 0, "command": "echo sh", "history_file": f"{home}/.sh_history"},
        {"uid": 9001, "time": 0, "command": "pwd",
         "history_file": f"{home}/.bash_sessions/A1.history"},
    ]  # fmt: skip


def test_default_is_the_current_user(root: Path) -> None:
    rows = run_table(shell_history, root=root, columns="uid, command")
    assert rows == [{"uid": ME, "command": "mine"}]


def test_unknown_uid(root: Path) -> None:
    assert run_table(shell_history, "uid = 4242", root=root) == []


@pytest.mark.live
def test_live_counts_bash_history_lines() -> None:
    expected, uids = 0, set()
    for entry in pwd.getpwall():
        uids.add(entry.pw_uid)
        path = Path(entry.pw_dir) / ".bash_history"
        try:
            lines = path.read_bytes().split(b"\n")
        except OSError:
            continue
        stamps = sum(1 for line in lines if line[:1] == b"#" and line[1:].isdigit())
        expected += len([line for line in lines if line]) - stamps
    marks = ",".join("?" * len(uids))
    rows = run_table(shell_history, f"uid IN ({marks})", *sorted(uids))
    assert len([r for r in rows if r["history_file"].endswith("/.bash_history")]) >= expected


def test_join_with_users_reads_every_home(root: Path) -> None:
    from hostql.tables.system.users import users
    from hostql.testing import engine_for

    engine = engine_for(users, shell_history, root=root)
    rows = engine.query(
        "SELECT username, command FROM users JOIN shell_history USING (uid) "
        "WHERE history_file LIKE '%.sh_history' OR history_file LIKE '%/.history'"
    )
    assert rows == [
        {"username": "me", "command": "mine"},
        {"username": "pat", "command": "echo sh"},
    ]
