"""Dot-command lines are split, dequoted and matched as osqueryi's SQLite-shell parser does."""

from __future__ import annotations

import pytest

from hostql.shell.tokens import (
    MAX_TOKENS,
    boolean_value,
    command_name,
    integer_value,
    resolve_backslashes,
    tokenize,
)


@pytest.mark.parametrize(
    ("line", "tokens"),
    [
        (".mode csv", ["mode", "csv"]),
        (".print  a\tb ", ["print", "a", "b"]),
        (".print \"a b\" 'c d' e\\tf", ["print", "a b", "c d", "e\tf"]),
        (".print 'a\\tb'", ["print", "a\\tb"]),
        ('.print "x\\"y"', ["print", 'x"y']),
        ('.print "unterminated', ["print", "unterminated"]),
        (".print 'a'b", ["print", "a", "b"]),
        (".print \\101\\1018", ["print", "AA8"]),
        (".", []),
        (".   ", []),
        (". tables", ["tables"]),
    ],
)
def test_tokenize(line: str, tokens: list[str]) -> None:
    assert tokenize(line) == tokens


def test_tokenize_keeps_at_most_fifty_tokens() -> None:
    assert len(tokenize(".print " + " x" * 80)) == MAX_TOKENS


def test_resolve_backslashes() -> None:
    assert resolve_backslashes(r"a\nb\rc\\d\qe") == "a\nb\rc\\dqe"
    assert resolve_backslashes("\\0") == "\0"
    assert resolve_backslashes("\\7777") == chr(0o777 & 0xFF) + "7"
    assert resolve_backslashes("trailing\\") == "trailing"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        ("-5", -5),
        ("+7", 7),
        ("0x1F", 31),
        ("2KiB", 2048),
        ("3k", 3000),
        ("1MB", 1_000_000),
        ("12abc", 12),
        ("abc", 0),
        ("", 0),
    ],
)
def test_integer_value(text: str, value: int) -> None:
    assert integer_value(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on", True),
        ("OFF", False),
        ("yes", True),
        ("No", False),
        ("t", True),
        ("f", False),
        ("TRUE", True),
        ("false", False),
        ("y", True),
        ("n", False),
        ("ok", True),
        ("enable", True),
        ("disable", False),
        ("1", True),
        ("0", False),
        ("2", True),
        ("0x0", False),
        ("0x10", True),
        ("4294967296", False),
    ],
)
def test_boolean_value(text: str, value: bool) -> None:
    assert boolean_value(text) == (value, None)


def test_boolean_value_warns_and_assumes_no() -> None:
    assert boolean_value("maybe") == (False, 'ERROR: Not a boolean value: "maybe". Assuming "no".')
    assert boolean_value("1x")[0] is False


@pytest.mark.parametrize(
    ("tokens", "name"),
    [
        (["all", "t"], "all"),
        (["all"], None),
        (["s"], "socket"),
        (["s", "x"], "schema"),
        (["sc"], "schema"),
        (["se", "|"], "separator"),
        (["sh"], "show"),
        (["su"], "show"),
        (["summary"], "show"),
        (["c", "/tmp/s"], "connect"),
        (["d"], "disconnect"),
        (["ba", "on"], None),
        (["bai", "on"], "bail"),
        (["e"], "exit"),
        (["e", "on"], "echo"),
        (["ex", "3"], "exit"),
        (["f"], "features"),
        (["h"], "help"),
        (["h", "on"], "headers"),
        (["header", "on"], "headers"),
        (["headers", "off"], "headers"),
        (["header"], None),
        (["m", "csv"], "mode"),
        (["mode"], None),
        (["n", "x"], "nullvalue"),
        (["p"], None),
        (["pri"], "print"),
        (["q"], "quit"),
        (["q", "x"], None),
        (["t"], None),
        (["ta"], "tables"),
        (["li", "x"], "tables"),
        (["l"], None),
        (["time", "1"], None),
        (["timeo", "1"], "timeout"),
        (["timer", "on"], "timer"),
        (["ty", "select 1"], "types"),
        (["trace"], None),
        (["v"], "version"),
        (["w"], None),
        (["w", "5"], "width"),
        (["tablesx"], None),
        ([""], None),
    ],
)
def test_command_name(tokens: list[str], name: str | None) -> None:
    assert command_name(tokens) == name
