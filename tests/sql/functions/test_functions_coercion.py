"""SQLite's value conversions as C functions see them."""

from __future__ import annotations

import apsw
import pytest

from hostql.sql.functions.coercion import (
    INT64_MAX,
    INT64_MIN,
    as_double,
    as_int32,
    as_int64,
    c_bytes,
    c_text,
    format_real,
    text_bytes,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.1 + 0.2, "0.3"),
        (1e20, "1.0e+20"),
        (1e-5, "1.0e-05"),
        (100.0, "100.0"),
        (-2.5, "-2.5"),
        (123456789012345678.0, "1.23456789012346e+17"),
        (float("inf"), "Inf"),
        (float("-inf"), "-Inf"),
    ],
)
def test_format_real_matches_sqlite_printf(value: float, text: str) -> None:
    assert format_real(value) == text
    sqlite = apsw.Connection(":memory:").execute("select printf('%!.15g', ?)", (value,))
    assert sqlite.fetchall()[0][0] == text


def test_text_bytes_of_each_type() -> None:
    assert text_bytes("é") == b"\xc3\xa9"
    assert text_bytes(b"\x00\xff") == b"\x00\xff"
    assert text_bytes(42) == b"42"
    assert text_bytes(-1.5) == b"-1.5"


def test_c_text_stops_at_the_first_nul() -> None:
    assert c_bytes("ab\x00cd") == b"ab"
    assert c_text(b"x\xffy") == "x\ufffdy"


@pytest.mark.parametrize(
    ("value", "double"),
    [(None, 0.0), (3, 3.0), ("  2.5xyz", 2.5), ("-.5", -0.5), ("1e3", 1000.0), ("abc", 0.0)],
)
def test_as_double(value: object, double: float) -> None:
    assert as_double(value) == double  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "integer"),
    [
        (None, 0),
        (7, 7),
        (2.9, 2),
        (-2.9, -2),
        (1e300, INT64_MAX),
        (-1e300, INT64_MIN),
        (" 12abc", 12),
        ("1.9", 1),
        ("x", 0),
        ("99999999999999999999", INT64_MAX),
    ],
)
def test_as_int64(value: object, integer: int) -> None:
    assert as_int64(value) == integer  # type: ignore[arg-type]


def test_as_int32_keeps_the_low_32_bits() -> None:
    assert as_int32(2**32 + 5) == 5
    assert as_int32(2**31) == -(2**31)
    assert as_int32(-1) == -1


@pytest.mark.parametrize("text", ["12", " 12abc", "-7.9", "1e3", "+4", "abc", "", "0x10", "\t5"])
def test_text_conversions_agree_with_sqlite_casts(text: str) -> None:
    sqlite = apsw.Connection(":memory:")
    integer, real = sqlite.execute(
        "select cast(? as integer), cast(? as real)", (text, text)
    ).fetchall()[0]
    assert as_int64(text) == integer
    assert as_double(text) == real
