"""known_hosts: per-user ~/.ssh/known_hosts lines, uid pushdown."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from hostql.tables.system.known_hosts import known_hosts
from hostql.testing import run_table

ME = os.getuid()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\nann:x:6001:6001::/home/ann/:/bin/sh\n"
    )
    ssh = tmp_path / "home" / "ann" / ".ssh"
    ssh.mkdir(parents=True)
    (ssh / "known_hosts").write_text(
        "# comment\ngithub.com ssh-ed25519 AAAAgh\n\n  |1|salt|hash ecdsa-sha2-nistp256 AAAAx  \n"
    )
    return tmp_path


def test_uid_constraint(root: Path) -> None:
    assert run_table(known_hosts, "uid = 6001", root=root) == [
        {"uid": 6001, "key": "github.com ssh-ed25519 AAAAgh",
         "key_file": "/home/ann/.ssh/known_hosts"},
        {"uid": 6001, "key": "|1|salt|hash ecdsa-sha2-nistp256 AAAAx",
         "key_file": "/home/ann/.ssh/known_hosts"},
    ]  # fmt: skip


def test_current_user_has_no_file(root: Path) -> None:
    assert run_table(known_hosts, root=root) == []


@pytest.mark.live
def test_live_counts_lines() -> None:
    total, uids = 0, set()
    for entry in pwd.getpwall():
        uids.add(entry.pw_uid)
        try:
            lines = (Path(entry.pw_dir) / ".ssh" / "known_hosts").read_text().splitlines()
        except OSError:
            continue
        total += sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))
    marks = ",".join("?" * len(uids))
    rows = run_table(known_hosts, f"uid IN ({marks})", *sorted(uids))
    assert len(rows) == total
