"""to_base64(), from_base64() and conditional_to_base64()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hostql.sql.functions import encoding


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select to_base64('test')", "dGVzdA=="),
        ("select to_base64('CPU0')", "Q1BVMA=="),
        ("select to_base64('')", ""),
        ("select to_base64(12)", "MTI="),
        ("select to_base64(x'00ff')", "AP8="),
        ("select to_base64('a' || char(0) || 'b')", "YQBi"),
        ("select to_base64(NULL)", None),
    ],
)
def test_to_base64(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select from_base64('dGVzdA==')", "test"),
        ("select from_base64(to_base64('CPU0'))", "CPU0"),
        # Padding is optional and line breaks are dropped.
        ("select from_base64('dGVzdA')", "test"),
        ("select from_base64('dGVz' || char(10) || 'dA==')", "test"),
        ("select from_base64('dGVz' || char(13, 10) || 'dA==')", "test"),
        ("select from_base64('YWI')", "ab"),
        ("select from_base64('')", ""),
        ("select from_base64('===')", ""),
        # Anything outside the alphabet, or a lone trailing character, makes it "".
        ("select from_base64('not base64!')", ""),
        ("select from_base64('dGVz dA==')", ""),
        ("select from_base64('dGVz' || char(13) || 'dA==')", ""),
        ("select from_base64('dG=VzdA==')", ""),
        ("select from_base64('dGVzd')", ""),
        ("select from_base64('Y')", ""),
        ("select from_base64(NULL)", None),
    ],
)
def test_from_base64(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


def test_from_base64_keeps_bytes_that_are_not_utf8(scalar: Callable[..., Any]) -> None:
    assert scalar("select from_base64('AP8=')") == b"\x00\xff"
    assert scalar("select from_base64('YQBi')") == "a\x00b"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select conditional_to_base64('test')", "test"),
        ("select conditional_to_base64('CPU0')", "CPU0"),
        ("select conditional_to_base64('悪因悪果')", "5oKq5Zug5oKq5p6c"),
        ("select conditional_to_base64('CPU0' || char(183))", "Q1BVMMK3"),
        ("select conditional_to_base64('tab' || char(9))", "dGFiCQ=="),
        ("select conditional_to_base64('del' || char(127))", "ZGVsfw=="),
        ("select conditional_to_base64(' ~')", " ~"),
        ("select conditional_to_base64('')", ""),
        ("select conditional_to_base64(NULL)", None),
    ],
)
def test_conditional_to_base64(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


def test_pure_functions() -> None:
    assert encoding.encode_base64(b"test") == "dGVzdA=="
    assert encoding.decode_base64(b"dGVzdA==") == b"test"
    assert encoding.decode_base64(b"d") == b""
    assert encoding.to_base64("a") == "YQ=="
    assert encoding.from_base64("YQ==") == "a"
    assert encoding.conditional_to_base64("plain text") == "plain text"
