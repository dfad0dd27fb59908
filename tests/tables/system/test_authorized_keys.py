"""authorized_keys: per-user key files, uid pushdown and osquery's current-user default."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from hostql.tables.system.authorized_keys import authorized_keys
from hostql.testing import run_table

ME = os.getuid()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\nbob:x:5001:5001::/home/bob:/bin/sh\n"
        "eve:x:5002:5002::/home/eve:/bin/sh\n"
    )
    me = tmp_path / "home" / "me" / ".ssh"
    me.mkdir(parents=True)
    (me / "authorized_keys").write_text("ssh-ed25519 AAAAme me@laptop\n")
    bob = tmp_path / "home" / "bob" / ".ssh"
    bob.mkdir(parents=True)
    (bob / "authorized_keys").write_text(
        '# comment\n\ncommand="/bin/true",no-pty ssh-rsa AAAAbob  bob key\n'
        "ssh-dss AAAAold\nnot a key line\n"
    )
    (bob / "authorized_keys2").write_text("ecdsa-sha2-nistp384 AAAAecdsa\n")
    (tmp_path / "home" / "eve" / ".ssh").mkdir(parents=True)
    (tmp_path / "home" / "eve" / ".ssh" / "authorized_keys").mkdir()  # unreadable as a file
    return tmp_path


BOB = [
    {"uid": 5001, "algorithm": "ssh-rsa", "key": "AAAAbob", "options": 'command="/bin/true",no-pty',
     "comment": "bob key", "key_file": "/home/bob/.ssh/authorized_keys"},
    {"uid": 5001, "algorithm": "ecdsa-sha2-nistp384", "key": "AAAAecdsa", "options": None,
     "comment": None, "key_file": "/home/bob/.ssh/authorized_keys2"},
]  # fmt: skip


def test_uid_constraint(root: Path) -> None:
    assert run_table(authorized_keys, "uid = ?", 5001, root=root) == BOB


def test_join_users_style_in_list(root: Path) -> None:
    rows = run_table(authorized_keys, "uid IN (5001, 5002, 9999)", root=root)
    assert rows == BOB


def test_without_constraint_only_the_current_user(root: Path) -> None:
    assert run_table(authorized_keys, root=root) == [
        {"uid": ME, "algorithm": "ssh-ed25519", "key": "AAAAme", "options": None,
         "comment": "me@laptop", "key_file": "/home/me/.ssh/authorized_keys"},
    ]  # fmt: skip


@pytest.mark.live
def test_live_users_join() -> None:
    expected = 0
    for entry in pwd.getpwall():
        for name in ("authorized_keys", "authorized_keys2"):
            path = Path(entry.pw_dir) / ".ssh" / name
            try:
                lines = path.read_text(errors="replace").splitlines()
            except OSError:
                continue
            expected += sum(
                1 for line in lines if line.strip() and not line.lstrip().startswith("#")
            )
    uids = sorted({e.pw_uid for e in pwd.getpwall()})
    marks = ",".join("?" * len(uids))
    rows = run_table(authorized_keys, f"uid IN ({marks})", *uids)
    assert len(rows) <= expected
    assert all(row["key"] for row in rows if row["algorithm"])
