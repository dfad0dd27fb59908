"""osquery's string functions, directly and through SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hostql.errors import SqlError
from hostql.sql.functions import strings


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select split('a,b', ',', 1)", "b"),
        ("select split('192.168.0.1', '.', 1)", "168"),
        ("select split('192.168.0.1', '.0', 0)", "192"),
        ("select split('/foo/bar', '/', 0)", "foo"),
        ("select split('/foo/bar', '/', 1)", "bar"),
        ("select split('/foo/bar', '/', 2)", None),
        ("select split('foo;;bar', ';;', 1)", "bar"),
        ("select split(500, 1, 0)", "500"),
        ("select split(1001, 1, 0)", "00"),
        ("select split(' a , b ', ',', 1)", "b"),
        # Empty pieces go before trimming, so a blank piece survives as "".
        ("select split('a, ,b', ',', 1)", ""),
        ("select split('a, ,b', ',', 2)", "b"),
        ("select split('a,b', ',', -1)", None),
        ("select split('', ',', 0)", None),
        ("select split('a,b', ',', '1')", "b"),
        ("select split(NULL, ',', 0)", None),
        ("select split('a', NULL, 0)", None),
        ("select split('a', ',', NULL)", None),
    ],
)
def test_split(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


def test_split_without_tokens_fails(scalar: Callable[..., Any]) -> None:
    with pytest.raises(SqlError) as failure:
        scalar("select split('foo;;bar', '', 0)")
    assert str(failure.value) == "Invalid input to split function"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select regex_split('/foo/bar', '/', 0)", ""),
        ("select regex_split('/foo/bar', '/', 1)", "foo"),
        ("select regex_split('/foo/bar', '/', 2)", "bar"),
        ("select regex_split('/foo/bar', '/', 3)", None),
        ("select regex_split('foo;;bar', ';;', 1)", "bar"),
        ("select regex_split('foo;bar//qux', '(;|/)+', 2)", "qux"),
        ("select regex_split('a,,b', ',', 1)", ""),
        ("select regex_split('a,b,', ',', 2)", None),
        ("select regex_split('192.168.0.1', '\\.0', 0)", "192.168"),
        (
            "select regex_split('/filesystem/path/download.extension.zip', "
            "'(.*/)|(.extension.zip)', 1)",
            "download",
        ),
        ("select regex_split('foo/bar', '|', 0)", ""),
        ("select regex_split('abc', 'x*', 3)", "c"),
        ("select regex_split('abc', 'x*', 4)", None),
        ("select regex_split(NULL, '/', 0)", None),
    ],
)
def test_regex_split(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select regex_split('foo/bar', '', 0)", "Invalid input to split function"),
        ("select regex_split('foo/bar', '(/', 0)", "Invalid regex"),
        ("select regex_split('foo/bar', '+', 0)", "Invalid regex"),
        (f"select regex_split('foo/bar', '{'|' * 257}', 0)", "Invalid regex"),
    ],
)
def test_regex_split_errors(scalar: Callable[..., Any], sql: str, message: str) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(sql)
    assert str(failure.value) == message


def test_regex_split_accepts_a_pattern_of_the_maximum_size(scalar: Callable[..., Any]) -> None:
    assert scalar(f"select regex_split('a,b', '{',' * 256}', 1)") is None
    assert scalar(f"select regex_split('a,b', '{','}{'x?' * 127}', 1)") == "b"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select regex_match('hello world. Goodbye', '(\\w+) \\w+', 0)", "hello world"),
        ("select regex_match('hello world. Goodbye', '(\\w+) \\w+', 1)", "hello"),
        ("select regex_match('hello world', '(l)(o).*', 0)", "lo world"),
        ("select regex_match('hello world', '(l)(o).*', 2)", "o"),
        ("select regex_match('hello world', '(l)(o).*', 3)", None),
        ("select regex_match('hello world', '(\\w+) .*(or|ld)', 2)", "ld"),
        (
            "select regex_match('/filesystem/path/download.extension.zip', '.+/([^./]+)', 1)",
            "download",
        ),
        ("select regex_match('hello world', 'no match', 0)", None),
        ("select regex_match('hello world', '', 0)", ""),
        ("select regex_match('foo/bar', '|', 0)", ""),
        # An optional group that took no part in the match reads as "".
        ("select regex_match('ab', 'a(x)?b', 1)", ""),
        ("select regex_match('ab', 'a', -1)", None),
        ("select regex_match(NULL, 'a', 0)", None),
        ("select regex_match('a', NULL, 0)", None),
        ("select regex_match('a', 'a', NULL)", None),
    ],
)
def test_regex_match(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select regex_match('foo/bar', '(/', 0)", "Invalid regex"),
        ("select regex_match('foo/bar', '+', 0)", "Invalid regex"),
        (
            f"select regex_match('foo/bar', '{'|' * 100000}', 0)",
            "Invalid regex: too big, max size is 256 bytes",
        ),
        (
            f"select regex_match('foo/bar', '{'|' * 257}', 0)",
            "Invalid regex: too big, max size is 256 bytes",
        ),
    ],
)
def test_regex_match_errors(scalar: Callable[..., Any], sql: str, message: str) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(sql)
    assert str(failure.value) == message


def test_regex_match_size_limit_counts_bytes_and_allows_the_maximum() -> None:
    assert strings.regex_match("a", "a" + "|" * 255, 0) == "a"
    with pytest.raises(SqlError, match="max size is 3 bytes"):
        strings.regex_match("a", "ab?c", 0, max_size=3)
    with pytest.raises(SqlError, match="max size is 256 bytes"):
        strings.regex_match("a", "é" * 129, 0)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select concat()", None),
        ("select concat('hello')", "hello"),
        ("select concat('hello', 'world')", "helloworld"),
        ("select concat('hello', NULL, 'world')", "helloworld"),
        ("select concat('hello', NULL, ' ', 'world')", "hello world"),
        ("select concat(1, 2, 3, 'go')", "123go"),
        ("select concat(1.5, NULL)", "1.5"),
        ("select concat('')", ""),
        ("select concat(NULL, NULL)", ""),
    ],
)
def test_concat(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select concat_ws('')", None),
        ("select concat_ws(NULL)", None),
        ("select concat_ws(', ', 'hello', 'world', 1, 2, 3)", "hello, world, 1, 2, 3"),
        ("select concat_ws('', 'hello', 'world', 1, 2, 3)", "helloworld123"),
        ("select concat_ws(NULL, 'hello', 'world', 1, 2, 3)", "helloworld123"),
        ("select concat_ws(' ', 'hello', NULL, 'world')", "hello world"),
        ("select concat_ws('x', 'hello')", "hello"),
        ("select concat_ws('x', '', '')", "x"),
        # The separator follows every non-NULL value that is not the last argument.
        ("select concat_ws('-', 'a', NULL)", "a-"),
        ("select concat_ws('-', NULL, 'a')", "a"),
        ("select concat_ws('-', 'a', NULL, NULL)", "a-"),
        ("select concat_ws('-', NULL)", ""),
    ],
)
def test_concat_ws(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


def test_concat_ws_without_a_separator_fails(scalar: Callable[..., Any]) -> None:
    with pytest.raises(SqlError) as failure:
        scalar("select concat_ws()")
    assert str(failure.value) == "Missing separator to concat_ws"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select inet_aton('1.0.1.5')", 16777477),
        ("select inet_aton('255.255.255.255')", 4294967295),
        ("select inet_aton('0.0.0.0')", 0),
        ("select inet_aton('::1')", None),
        ("select inet_aton('::ffff:1.2.3.4')", None),
        ("select inet_aton('1.2.3')", None),
        ("select inet_aton('1.2.3.256')", None),
        ("select inet_aton('01.2.3.4')", None),
        ("select inet_aton('hello')", None),
        ("select inet_aton(16777477)", None),
        ("select inet_aton(NULL)", None),
    ],
)
def test_inet_aton(scalar: Callable[..., Any], sql: str, expected: int | None) -> None:
    assert scalar(sql) == expected


def test_pure_functions() -> None:
    assert strings.split("x y", " ", 1) == "y"
    assert strings.regex_split("a1b22c", "[0-9]+", 2) == "c"
    assert strings.regex_match("key=value", "(\\w+)=(\\w+)", 2) == "value"
    assert strings.concat("a", None, 1) == "a1"
    assert strings.concat_ws("/", "usr", "bin") == "usr/bin"
    assert strings.inet_aton("10.0.0.1") == 167772161
