"""The account reader: passwd and group files as glibc's fget*ent reads them."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.accounts import (
    Group,
    User,
    as_id,
    group_list,
    parse_group,
    parse_passwd,
    signed,
)

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
# a comment line
\x20\x20\x20
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
broken line without fields
short:x:5:5
baduid:x:abc:5:Bad:/:/bin/sh
huge:x:4294967295:4294967294:Huge ids:/home/huge:/bin/sh
toohuge:x:4294967296:1:Too huge:/:/bin/sh
alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/zsh
:x:7:7:no name:/:/bin/sh
"""
GROUP = """\
root:x:0:
# comment
daemon:x:1:alice
users:x:100:alice,bob , carol
wheel:x:10:bob
bad:x:nope:alice
alice:x:1000:
users2:x:100:alice
"""


def test_parse_passwd_skips_comments_blank_and_malformed_lines() -> None:
    assert parse_passwd(PASSWD) == [
        User("root", 0, 0, "root", "/root", "/bin/bash"),
        User("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
        User("huge", 4294967295, 4294967294, "Huge ids", "/home/huge", "/bin/sh"),
        User("alice", 1000, 1000, "Alice Liddell,,,", "/home/alice", "/bin/zsh"),
    ]


def test_parse_group_reads_members() -> None:
    assert parse_group(GROUP) == [
        Group("root", 0, ()),
        Group("daemon", 1, ("alice",)),
        Group("users", 100, ("alice", "bob", "carol")),
        Group("wheel", 10, ("bob",)),
        Group("alice", 1000, ()),
        Group("users2", 100, ("alice",)),
    ]


def test_group_list_is_getgrouplist() -> None:
    groups = parse_group(GROUP)
    alice = User("alice", 1000, 1000, "", "/", "/bin/sh")
    # Primary group first, then memberships in file order, each gid once.
    assert group_list(alice, groups) == [1000, 1, 100]
    bob = User("bob", 1001, 10, "", "/", "/bin/sh")
    assert group_list(bob, groups) == [10, 100]
    assert group_list(User("nobody", 9, 65534, "", "/", ""), groups) == [65534]


def test_signed_and_as_id() -> None:
    assert signed(0) == 0
    assert signed(2**31 - 1) == 2**31 - 1
    assert signed(4294967294) == -2
    assert signed(4294967295) == -1
    assert as_id(5) == 5
    assert as_id("5") == 5
    assert as_id(5.0) == 5
    assert as_id(5.5) is None
    assert as_id("x") is None
    assert as_id(-1) is None
    assert as_id(2**32) is None


def test_accounts_read_under_the_root_and_in_a_namespace(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(PASSWD)
    (tmp_path / "etc" / "group").write_text(GROUP)
    container = tmp_path / "proc" / "42" / "root" / "etc"
    container.mkdir(parents=True)
    (container / "passwd").write_text("app:x:500:500:App:/app:/bin/sh\n")
    (container / "group").write_text("app:x:500:\n")
    accounts = Host(tmp_path).accounts
    assert [u.name for u in accounts.users()] == ["root", "daemon", "huge", "alice"]
    assert [g.name for g in accounts.groups()][:2] == ["root", "daemon"]
    assert accounts.users(42) == [User("app", 500, 500, "App", "/app", "/bin/sh")]
    assert accounts.groups(42) == [Group("app", 500, ())]
    # NSS belongs to the live host only.
    assert accounts.nss_users() == []
    assert accounts.nss_user(0) is None
    with pytest.raises(FileNotFoundError):
        accounts.users(43)


@pytest.mark.live
def test_live_nss_lookups_match_pwd() -> None:
    accounts = Host().accounts
    me = pwd.getpwuid(os.getuid())
    assert accounts.nss_user(os.getuid()) == User(
        me.pw_name, me.pw_uid, me.pw_gid, me.pw_gecos, me.pw_dir, me.pw_shell
    )
    assert accounts.nss_user(me.pw_name) == accounts.nss_user(os.getuid())
    assert accounts.nss_user("no-such-user-hostql") is None
    assert {u.name for u in accounts.nss_users()} >= {u.name for u in accounts.users()}
