"""md5(), sha1() and sha256() of a value's text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hostql.sql.functions import hashing


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select md5('test')", "098f6bcd4621d373cade4e832627b4f6"),
        ("select sha1('test')", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"),
        (
            "select sha256('test')",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
        # osquery's documented sha1 example (its md5 and sha256 examples hash other text).
        ("select sha1('Guest')", "face83ee3014bdc8f98203cc94e2e89222452e90"),
        ("select md5('Guest')", "adb831a7fdd83dd1e2a309ce7591dff8"),
        (
            "select sha256('Guest')",
            "5ed8944a85a9763fd315852f448cb7de36c5e928e13b3be427f98f7dc455f141",
        ),
        ("select md5('')", "d41d8cd98f00b204e9800998ecf8427e"),
        ("select md5('é')", "66ddcd97cfdeabb2f6fb8a999b4bc76f"),
        # Numbers are hashed as their text: 1 -> "1", 1.0 -> "1.0", 1e20 -> "1.0e+20".
        ("select md5(1)", "c4ca4238a0b923820dcc509a6f75849b"),
        ("select md5(1.0)", "e4c2e8edac362acab7123654b9e73432"),
        ("select sha1(1e20)", "b8bb38620bac1330e67eecdc725464cf07f94189"),
        # osquery hashes up to the first NUL byte.
        ("select md5(x'74657374006d6f7265')", "098f6bcd4621d373cade4e832627b4f6"),
        ("select md5(NULL)", None),
        ("select sha1(NULL)", None),
        ("select sha256(NULL)", None),
    ],
)
def test_hashes(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


def test_pure_functions() -> None:
    assert hashing.md5("test") == "098f6bcd4621d373cade4e832627b4f6"
    assert hashing.sha1(b"test") == "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
    assert hashing.sha256(None) is None
