"""osquery's C-math SQL functions: trigonometry, logarithms, power, rounding and pi."""

from __future__ import annotations

import errno
import math
import os
from collections.abc import Callable

from hostql.errors import SqlError
from hostql.sql.functions.coercion import INT64_MAX, INT64_MIN, SqlValue, as_double

# osquery's exp() calls expl(): the x86 80-bit long double only overflows past
# ln(LDBL_MAX) and only rounds to zero below ln(LDBL_TRUE_MIN / 2).
_EXPL_OVERFLOW = 11356.523406294143
_EXPL_UNDERFLOW = -11399.498531488658


def _domain_error() -> SqlError:
    return SqlError(os.strerror(errno.EDOM))


def _range_error() -> SqlError:
    return SqlError(os.strerror(errno.ERANGE))


def _sin(x: float) -> float:
    if math.isinf(x):
        raise _domain_error()
    return math.sin(x)


def _cos(x: float) -> float:
    if math.isinf(x):
        raise _domain_error()
    return math.cos(x)


def _tan(x: float) -> float:
    if math.isinf(x):
        raise _domain_error()
    return math.tan(x)


def _cot(x: float) -> float:
    tangent = _tan(x)
    if tangent == 0.0:
        return math.copysign(math.inf, tangent)
    return 1.0 / tangent


def _asin(x: float) -> float:
    if abs(x) > 1.0:
        raise _domain_error()
    return math.asin(x)


def _acos(x: float) -> float:
    if abs(x) > 1.0:
        raise _domain_error()
    return math.acos(x)


def _logarithm(base_log: Callable[[float], float]) -> Callable[[float], float]:
    def logarithm(x: float) -> float:
        if x < 0.0:
            raise _domain_error()
        if x == 0.0:
            # glibc reports the pole at zero as a range error.
            raise _range_error()
        return base_log(x)

    return logarithm


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise _domain_error()
    return math.sqrt(x)


def _exp(x: float) -> float:
    if math.isfinite(x) and not _EXPL_UNDERFLOW <= x <= _EXPL_OVERFLOW:
        raise _range_error()
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _degrees(x: float) -> float:
    return 180.0 * x / math.pi


def _radians(x: float) -> float:
    return x * math.pi / 180.0


def _double_function(function: Callable[[float], float]) -> Callable[[SqlValue], float | None]:
    def sql_function(value: SqlValue) -> float | None:
        """The function of the value read as a double; NULL stays NULL."""
        if value is None:
            return None
        return function(as_double(value))

    return sql_function


sqrt = _double_function(_sqrt)
acos = _double_function(_acos)
asin = _double_function(_asin)
atan = _double_function(math.atan)
cos = _double_function(_cos)
sin = _double_function(_sin)
tan = _double_function(_tan)
cot = _double_function(_cot)
exp = _double_function(_exp)
log = _double_function(_logarithm(math.log))
log10 = _double_function(_logarithm(math.log10))
degrees = _double_function(_degrees)
radians = _double_function(_radians)


def power(base: SqlValue, exponent: SqlValue) -> float | None:
    """pow(base, exponent) as doubles; NULL if either is NULL; errno failures become errors."""
    if base is None or exponent is None:
        return None
    x, y = as_double(base), as_double(exponent)
    try:
        result = math.pow(x, y)
    except ValueError:
        # Python folds glibc's pole error (zero to a negative power) into ValueError.
        raise (_range_error() if x == 0.0 else _domain_error()) from None
    except OverflowError:
        raise _range_error() from None
    if result == 0.0 and x != 0.0 and math.isfinite(x) and math.isfinite(y):
        raise _range_error()
    return result


def _rounded(value: SqlValue, rounding: Callable[[float], int]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    x = as_double(value)
    # x86 cvttsd2si yields INT64_MIN for anything that does not fit in an int64.
    if not math.isfinite(x):
        return INT64_MIN
    rounded = rounding(x)
    return rounded if INT64_MIN <= rounded <= INT64_MAX else INT64_MIN


def ceil(value: SqlValue) -> int | None:
    """Integers unchanged, anything else the int64 of its ceiling; NULL stays NULL."""
    return _rounded(value, math.ceil)


def floor(value: SqlValue) -> int | None:
    """Integers unchanged, anything else the int64 of its floor; NULL stays NULL."""
    return _rounded(value, math.floor)


def pi() -> float:
    """The double closest to pi."""
    return math.pi
