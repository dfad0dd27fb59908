"""etc_files: osquery's split(), resolv.conf, shadow lines, sudoers includes, crontab lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.etc_files import cron_entry, listed_files, split_fields


def test_split_fields_drops_empty_pieces_before_trimming() -> None:
    assert split_fields("a  b\t c") == ["a", "b", "c"]
    # A whitespace-only piece between delimiters is kept as "" (boost trims after removal).
    assert split_fields("x # # y", "#") == ["x", "", "y"]
    assert split_fields("", "\n") == []


def test_listed_files_skips_dot_files_and_directories(tmp_path: Path) -> None:
    base = tmp_path / "etc" / "cron.d"
    (base / "sub").mkdir(parents=True)
    for name in ("b", "a", ".placeholder"):
        (base / name).write_text("")
    (base / "link").symlink_to("sub")
    assert listed_files(Host(tmp_path), "/etc/cron.d/") == ["/etc/cron.d/a", "/etc/cron.d/b"]
    assert listed_files(Host(tmp_path), "/etc/missing") == []


def test_resolver_follows_glibc(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "resolv.conf").write_text(
        "# comment\n; other comment\n  nameserver 9.9.9.9\n"
        "nameserver 10.0.0.1\nnameserver fe80::1%eth0\nnameserver bogus\n"
        "nameserver 10.0.0.2\nnameserver 10.0.0.3\n"
        "search a.example b.example\ndomain only.example\n"
        "sortlist 130.155.160.0/255.255.240.0 10.0.0.0\n"
        "options rotate edns0 ndots:2 unknown\n"
    )
    state = Host(tmp_path).etc_files.resolver()
    # Indented lines are ignored; IPv6 servers keep their slot with an empty address.
    assert state.nameservers == ["10.0.0.1", "", "10.0.0.2"]
    assert state.search == ["only.example"]  # the last of domain/search wins
    assert state.sortlist == [
        ("130.155.160.0", int.from_bytes(bytes([255, 255, 240, 0]), "little")),
        ("10.0.0.0", 255),
    ]
    assert state.options == 0x1 | 0x2C0 | 0x4000 | 0x100000


def test_resolver_defaults_search_to_the_hostname_domain(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "hostname").write_text("box.corp.example\n")
    state = Host(tmp_path).etc_files.resolver()
    assert (state.nameservers, state.search, state.options) == ([], ["corp.example"], 705)


SHADOW = (
    "root:$6$salt$hash:19000:0:99999:7:::\n"
    "# comment\n"
    "\n"
    "nopass::19000:0:99999:7:::\n"
    "locked:!$y$j9T$abc:19000::::::\n"
    "notset:!!:19000:0:99999\n"
    "twofields:x:19000\n"
    "star:*:1:2:3\n"
    "flagged:x:1:2:3:4:5:6:7\n"
    "negflag:x:1:2:3:4:5:6:-1\n"
    "short:x:\n"
    "broken:x:abc:1:2:3:4:5:\n"
    "root:$1$dup:1:1:1:1:1:1:\n"
)


def test_shadow_parses_like_glibc(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "shadow").write_text(SHADOW)
    rows = {(r["username"], r["last_change"]): r for r in Host(tmp_path).etc_files.shadow()}
    assert list(rows) == [
        ("root", 19000), ("nopass", 19000), ("locked", 19000), ("notset", 19000),
        ("star", 1), ("flagged", 1), ("negflag", 1), ("root", 1),
    ]  # fmt: skip
    root = rows[("root", 19000)]
    assert (root["password_status"], root["hash_alg"], root["min"], root["max"]) == (
        "active", "6", 0, 99999,
    )  # fmt: skip
    assert (root["warning"], root["inactive"], root["expire"], root["flag"]) == (7, -1, -1, None)
    assert rows[("nopass", 19000)]["password_status"] == "empty"
    locked = rows[("locked", 19000)]
    assert (locked["password_status"], "hash_alg" in locked, locked["min"]) == ("locked", False, -1)
    assert rows[("notset", 19000)]["password_status"] == "not_set"
    old_form = rows[("notset", 19000)]  # three numbers only: the rest defaults
    assert (old_form["max"], old_form["warning"], old_form["flag"]) == (99999, -1, None)
    assert rows[("star", 1)]["password_status"] == "locked"
    assert rows[("flagged", 1)]["flag"] == 7
    assert rows[("negflag", 1)]["flag"] is None


def test_shadow_username_filter_takes_the_first_entry(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "shadow").write_text(SHADOW)
    rows = list(Host(tmp_path).etc_files.shadow({"root", "ghost"}))
    assert [(r["username"], r["last_change"]) for r in rows] == [("root", 19000)]


def _sudo_tree(tmp_path: Path) -> Host:
    etc = tmp_path / "etc"
    (etc / "sudoers.d").mkdir(parents=True)
    (etc / "sudoers").write_text(
        "# comment\nDefaults\tenv_reset\n"
        "Cmnd_Alias  PKG = /usr/bin/apt, \\\n   /usr/bin/dpkg\n"
        "root ALL=(ALL:ALL) ALL\n"
        "#includedir\n"
        "@includedir /etc/sudoers.d\n"
        "#include extra\n"
        "Alone\\\n"
        "tail\n"
    )
    (etc / "extra").write_text("%admin ALL=(ALL) ALL\n")
    (etc / "sudoers.d" / "b_rules").write_text("bob ALL=NOPASSWD: ALL\n")
    (etc / "sudoers.d" / "a_rules").write_text("alice ALL=ALL\n")
    (etc / "sudoers.d" / "skip.conf").write_text("nobody ALL=ALL\n")
    (etc / "sudoers.d" / "backup~").write_text("nobody ALL=ALL\n")
    (etc / "sudoers.d" / "README").write_text("#\n# read me\n")
    return Host(tmp_path)


def test_sudoers_follows_includes_and_continuations(tmp_path: Path) -> None:
    rows = list(_sudo_tree(tmp_path).etc_files.sudoers())
    assert rows == [
        ("/etc/sudoers", "Defaults", "env_reset"),
        ("/etc/sudoers", "Cmnd_Alias", "PKG = /usr/bin/apt, /usr/bin/dpkg"),
        ("/etc/sudoers", "root", "ALL=(ALL:ALL) ALL"),
        ("/etc/sudoers", "@includedir", "/etc/sudoers.d"),
        ("/etc/sudoers.d/a_rules", "alice", "ALL=ALL"),
        ("/etc/sudoers.d/b_rules", "bob", "ALL=NOPASSWD: ALL"),
        ("/etc/sudoers", "#include", "extra"),
        ("/etc/extra", "%admin", "ALL=(ALL) ALL"),
        # The backslash is cut from the header; the next line joins rule_details.
        ("/etc/sudoers", "Alone", "tail"),
    ]


def test_sudoers_needs_a_readable_main_file(tmp_path: Path) -> None:
    assert list(Host(tmp_path).etc_files.sudoers()) == []


def test_sudoers_include_loops_stop(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "sudoers").write_text("#include /etc/sudoers\n")
    rows = list(Host(tmp_path).etc_files.sudoers())
    assert 100 < len(rows) <= 130
    assert set(rows) == {("/etc/sudoers", "#include", "/etc/sudoers")}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "*/5 1 * * 1-5 root  run-parts  /etc/x",
            {
                "minute": "*/5",
                "hour": "1",
                "day_of_month": "*",
                "month": "*",
                "day_of_week": "1-5",
                "command": "root run-parts /etc/x",
            },
        ),
        ("@reboot\t/usr/bin/thing --now", {"event": "@reboot", "command": "/usr/bin/thing --now"}),
        ("SHELL=/bin/sh", None),
        ("1 2 3 4 5", None),
    ],
)
def test_cron_entry(line: str, expected: dict[str, str] | None) -> None:
    assert cron_entry(line) == expected
