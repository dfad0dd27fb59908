"""ssh_configs: per-user ~/.ssh/config and the system ssh_config, lower-cased, with blocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostql.tables.system.ssh_configs import ssh_configs
from hostql.testing import run_table

ME = os.getuid()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc" / "ssh").mkdir(parents=True)
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\nzed:x:7001:7001::/home/zed:/bin/sh\n"
    )
    (tmp_path / "etc" / "ssh" / "ssh_config").write_text(
        "Include /etc/ssh/ssh_config.d/*.conf\nHost *\n    SendEnv LANG LC_*\n"
    )
    ssh = tmp_path / "home" / "zed" / ".ssh"
    ssh.mkdir(parents=True)
    (ssh / "config").write_text(
        "# top\nForwardAgent no\nHost Build.Example.COM\n  User Ci\n  Port 2222\n"
        'Match host *.internal exec "true"\n\tProxyJump Bastion\nHost\ttabbed\n'
    )
    return tmp_path


def test_user_then_system(root: Path) -> None:
    rows = run_table(ssh_configs, "uid IN (7001, 0)", root=root)
    zed = "/home/zed/.ssh/config"
    assert rows == [
        {"uid": 7001, "block": "", "option": "forwardagent no", "ssh_config_file": zed},
        {"uid": 7001, "block": "host build.example.com", "option": "user ci",
         "ssh_config_file": zed},
        {"uid": 7001, "block": "host build.example.com", "option": "port 2222",
         "ssh_config_file": zed},
        {"uid": 7001, "block": 'match host *.internal exec "true"',
         "option": "proxyjump bastion", "ssh_config_file": zed},
        # osquery only knows "host " with a space: a tab makes it an option.
        {"uid": 7001, "block": 'match host *.internal exec "true"', "option": "host\ttabbed",
         "ssh_config_file": zed},
        {"uid": 0, "block": "", "option": "include /etc/ssh/ssh_config.d/*.conf",
         "ssh_config_file": "/etc/ssh/ssh_config"},
        {"uid": 0, "block": "host *", "option": "sendenv lang lc_*",
         "ssh_config_file": "/etc/ssh/ssh_config"},
    ]  # fmt: skip


def test_system_file_is_skipped_when_uid_excludes_root(root: Path) -> None:
    rows = run_table(ssh_configs, "uid = 7001", root=root, columns="ssh_config_file")
    assert {r["ssh_config_file"] for r in rows} == {"/home/zed/.ssh/config"}


def test_default_is_current_user_plus_system(root: Path) -> None:
    rows = run_table(ssh_configs, root=root, columns="uid, ssh_config_file")
    assert {(r["uid"], r["ssh_config_file"]) for r in rows} == {(0, "/etc/ssh/ssh_config")}


@pytest.mark.live
def test_live_system_config() -> None:
    path = Path("/etc/ssh/ssh_config")
    if not path.exists():
        pytest.skip("no /etc/ssh/ssh_config")
    lines = [line.strip().lower() for line in path.read_text().splitlines()]
    options = [
        line
        for line in lines
        if line and not line.startswith("#") and not line.startswith(("host ", "match "))
    ]
    rows = run_table(ssh_configs, "ssh_config_file = '/etc/ssh/ssh_config'")
    assert [r["option"] for r in rows] == options
