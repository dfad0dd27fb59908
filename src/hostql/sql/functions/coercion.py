"""SQLite's own conversions of an argument value to text, double and integer, as C callers see."""

from __future__ import annotations

import math
import re

SqlValue = int | float | str | bytes | None

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# sqlite3AtoF and sqlite3Atoi64 read the longest numeric prefix and ignore the rest.
_REAL_PREFIX = re.compile(rb"[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_INTEGER_PREFIX = re.compile(rb"[ \t\n\v\f\r]*([+-]?\d+)")


def format_real(value: float) -> str:
    """A REAL as osquery's SQLite 3.42 renders it to text ("%!.15g")."""
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    text = f"{value:.15g}"
    mantissa, marker, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + marker + exponent


def text_bytes(value: SqlValue) -> bytes:
    """The bytes sqlite3_value_text() yields for a non-NULL value, embedded NULs included."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, float):
        return format_real(value).encode("ascii")
    return str(value).encode("ascii")


def c_bytes(value: SqlValue) -> bytes:
    """The text bytes up to the first NUL, as C code reading sqlite3_value_text() sees them."""
    return text_bytes(value).split(b"\0", 1)[0]


def c_text(value: SqlValue) -> str:
    """The text up to the first NUL, decoded as UTF-8 (invalid bytes replaced)."""
    return c_bytes(value).decode("utf-8", errors="replace")


def as_double(value: SqlValue) -> float:
    """The value as sqlite3_value_double() converts it; unparsable text is 0.0."""
    if value is None:
        return 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        return float(value)
    match = _REAL_PREFIX.match(text_bytes(value))
    return float(match.group(1)) if match else 0.0


def as_int64(value: SqlValue) -> int:
    """The value as sqlite3_value_int64() converts it: truncated, saturated, 0 if unparsable."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return 0
        if value <= INT64_MIN:
            return INT64_MIN
        if value >= INT64_MAX:
            return INT64_MAX
        return int(value)
    match = _INTEGER_PREFIX.match(text_bytes(value))
    if not match:
        return 0
    return max(INT64_MIN, min(INT64_MAX, int(match.group(1))))


def as_int32(value: SqlValue) -> int:
    """The value as sqlite3_value_int() converts it: the low 32 bits of the int64, signed."""
    low = as_int64(value) & 0xFFFFFFFF
    return low - 2**32 if low >= 2**31 else low
