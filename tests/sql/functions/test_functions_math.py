"""osquery's math functions, directly and through SQL."""

from __future__ import annotations

import math as pymath
from collections.abc import Callable
from typing import Any

import pytest

from hostql.errors import SqlError
from hostql.sql.functions import math

DOMAIN = "Numerical argument out of domain"
RANGE = "Numerical result out of range"
INT64_MIN = -(2**63)


def test_log_is_the_natural_logarithm(scalar: Callable[..., Any]) -> None:
    assert scalar("select log(100)") == pytest.approx(4.605170185988092, abs=0)
    assert scalar("select log(?)", pymath.e) == 1.0
    assert scalar("select log10(1000)") == 3.0


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # The values osquery's SQL documentation prints (15 significant digits).
        ("select sqrt(107372805120)", 327677.898430761),
        ("select log(107372805120)", 25.3995727757846),
        ("select log10(107372805120)", 11.0308942992233),
        ("select sin(30)", -0.988031624092862),
        ("select cos(30)", 0.154251449887584),
        ("select tan(30)", -6.40533119664628),
        ("select cot(30)", -0.156119952161659),
        ("select asin(.5)", 0.523598775598299),
        ("select acos(.5)", 1.0471975511966),
        ("select atan(.5)", 0.463647609000806),
        ("select radians(60)", 1.0471975511966),
        ("select degrees(1.3)", 74.484513367007),
        ("select pi() * 107372805120", 337321615760.32),
    ],
)
def test_documented_examples(scalar: Callable[..., Any], sql: str, expected: float) -> None:
    assert float(f"{scalar(sql):.15g}") == expected


def test_exact_values(scalar: Callable[..., Any]) -> None:
    assert scalar("select sqrt(16)") == 4.0
    assert scalar("select exp(0)") == 1.0
    assert scalar("select power(2, 10)") == 1024.0
    assert scalar("select pi()") == pymath.pi
    assert scalar("select degrees(pi())") == 180.0
    assert scalar("select radians(180)") == pymath.pi


def test_results_are_doubles(scalar: Callable[..., Any]) -> None:
    assert scalar("select typeof(sqrt(4))") == "real"
    assert scalar("select typeof(power(2, 2))") == "real"
    assert scalar("select typeof(pi())") == "real"


def test_text_arguments_are_read_as_doubles(scalar: Callable[..., Any]) -> None:
    assert scalar("select sqrt('9')") == 3.0
    assert scalar("select sqrt('abc')") == 0.0


@pytest.mark.parametrize(
    "sql",
    [
        "select sqrt(NULL)",
        "select log(NULL)",
        "select cot(NULL)",
        "select power(NULL, 2)",
        "select power(2, NULL)",
        "select ceil(NULL)",
        "select floor(NULL)",
    ],
)
def test_null_gives_null(scalar: Callable[..., Any], sql: str) -> None:
    assert scalar(sql) is None


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select sqrt(-1)", DOMAIN),
        ("select log(-1)", DOMAIN),
        ("select log(0)", RANGE),
        ("select log10(0)", RANGE),
        ("select acos(2)", DOMAIN),
        ("select asin(-1.5)", DOMAIN),
        ("select sin(9e999)", DOMAIN),
        ("select cos(-9e999)", DOMAIN),
        ("select tan(9e999)", DOMAIN),
        ("select cot(9e999)", DOMAIN),
        ("select exp(12000)", RANGE),
        ("select exp(-11400)", RANGE),
        ("select power(-8, 0.5)", DOMAIN),
        ("select power(0, -1)", RANGE),
        ("select power(10, 400)", RANGE),
        ("select power(10, -400)", RANGE),
    ],
)
def test_errno_failures_fail_the_statement(
    scalar: Callable[..., Any], sql: str, message: str
) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(sql)
    assert str(failure.value) == message


def test_results_glibc_leaves_without_errno(scalar: Callable[..., Any]) -> None:
    # expl() works in long double, so only the conversion to double overflows.
    assert scalar("select exp(1000)") == pymath.inf
    assert scalar("select exp(-1000)") == 0.0
    assert scalar("select cot(0)") == pymath.inf
    assert scalar("select power(0, 0)") == 1.0
    assert scalar("select power(2, -1074)") == 5e-324
    assert scalar("select power(0.5, 9e999)") == 0.0
    assert scalar("select log(9e999)") == pymath.inf


def test_ceil_and_floor(scalar: Callable[..., Any]) -> None:
    assert scalar("select ceil(1.2)") == 2
    assert scalar("select floor(1.8)") == 1
    assert scalar("select ceil(-1.2)") == -1
    assert scalar("select floor(-1.2)") == -2
    assert scalar("select typeof(ceil(1.2))") == "integer"
    assert scalar("select ceil(107372805120)") == 107372805120
    assert scalar("select floor(?)", 2**62 + 1) == 2**62 + 1
    assert scalar("select ceil('2.5')") == 3
    assert scalar("select floor(9e999)") == INT64_MIN
    assert scalar("select ceil(1e30)") == INT64_MIN


def test_pure_functions() -> None:
    assert math.sqrt(None) is None
    assert math.sqrt(25) == 5.0
    assert math.log("1") == 0.0
    assert math.power(3, 2) == 9.0
    assert math.ceil(7) == 7
    assert math.floor(-0.5) == -1
    with pytest.raises(SqlError, match=f"^{DOMAIN}$"):
        math.acos(1.0001)
