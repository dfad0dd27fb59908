"""version_compare() and the VERSION* collations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apsw
import pytest

from hostql.errors import SqlError
from hostql.sql.functions import compare_versions
from hostql.sql.functions.version import COLLATIONS


@pytest.mark.parametrize(
    ("left", "right", "flavor", "expected"),
    [
        # osquery's documented examples.
        ("1.0", "1.0", None, 0),
        ("50.4.1b", "50.4.1c", None, -1),
        ("4:1.1.0", "4:1.1.0-3", "ARCH", 0),
        ("1.0.0~rc2^2021", "1.0.0", "RHEL", -1),
        ("1:1.2.13-2", "4.2.1", "ARCH", 1),
        ("20.10a", "20.102", None, 1),
        ("4:2", "4:2-1", "ARCH", 0),
        ("2-2pre", "2-2rc", "ARCH", -1),
        ("42.2-1", "42.1-2", "ARCH", 1),
        ("1:2.0-10", "1:2.0-10", "DPKG", 0),
        ("22.07.5-2ubuntu1.3", "22.07.5-2ubuntu1.4", "DPKG", -1),
        ("2:8.2.3995-1ubuntu2.9", "2:8.2.3995-1ubuntu2.3", "DPKG", 1),
        ("0.5.0~rc1^202", "0.5.0~rc1^202", "RHEL", 0),
        ("1.1.0~BETA2", "1.1.0~CR1", "RHEL", -1),
        ("1.0.0", "1.0.0~rc2", "RHEL", 1),
        # Empty strings sort first.
        ("", "", None, 0),
        ("", "0", None, -1),
        ("0", "", "DPKG", 1),
        # A longer segment wins once both sides reach a delimiter or the end.
        ("1.10", "1.9", None, 1),
        ("1.9", "1.10", None, -1),
        ("1.2.3", "1.2", None, 1),
        # The side still inside a segment is greater than the side at a delimiter.
        ("1a.0", "1.0", None, 1),
        ("1.0", "1a.0", None, -1),
        # Epochs: having one beats not having one; otherwise the colon's position decides.
        ("1:1.0", "9.0", "DPKG", 1),
        ("9.0", "1:1.0", "RHEL", -1),
        ("10:1.0", "9:1.0", "ARCH", 1),
        ("1:1.0", "9.0", None, -1),
        # Delimiter precedence (~ - ^ . :) only for DPKG and RHEL.
        ("1~a", "1-a", "DPKG", -1),
        ("1^a", "1.a", "RHEL", -1),
        ("1~a", "1-a", "ARCH", 0),
        ("1~a", "1-a", None, 0),
        # Remainder rules of ARCH and RHEL.
        ("1.0", "1.0~rc1", "ARCH", 1),
        ("1.0", "1.0^1", "RHEL", -1),
        ("1.0-1", "1.0", "RHEL", 0),
        ("1.0-1", "1.0", "DPKG", 1),
        ("1.0-1", "1.0", None, 1),
        # ARCH ignores a pending segment difference after a digit; RHEL keeps it.
        ("1.2", "1.1a", "ARCH", -1),
        ("1.2", "1.1a", "RHEL", 1),
        ("1.b", "1.ab", "ARCH", 1),
        ("1.b", "1.ab", None, -1),
        # Flavours are case-insensitive.
        ("4:1.1.0", "4:1.1.0-3", "arch", 0),
    ],
)
def test_compare_versions(left: str, right: str, flavor: str | None, expected: int) -> None:
    assert compare_versions(left, right, flavor) == expected


def test_compare_versions_rejects_an_unknown_flavor() -> None:
    with pytest.raises(SqlError) as failure:
        compare_versions("1", "2", "SEMVER")
    assert str(failure.value) == (
        "The optional third parameter does not match one of: (ARCH, DPKG, RHEL)."
    )


def test_results_are_clamped(scalar: Callable[..., Any]) -> None:
    assert scalar("select version_compare('1.z', '1.a')") == 1
    assert scalar("select version_compare('22:1', '1:1', 'DPKG')") == 1
    assert scalar("select version_compare('1.0', '1.0.0.0.0')") == -1


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select version_compare('1.0', '1.0')", 0),
        ("select version_compare('50.4.1b', '50.4.1c')", -1),
        ("select version_compare('4:1.1.0', '4:1.1.0-3', 'ARCH')", 0),
        ("select version_compare('1.0.0~rc2^2021', '1.0.0', 'RHEL')", -1),
        ("select version_compare('1:1.2.13-2', '4.2.1', 'ARCH')", 1),
        ("select version_compare('1:2', '2', 'dpkg')", 1),
        ("select version_compare('1.0', '1.0', 'RHEL', 'ignored')", 0),
    ],
)
def test_version_compare_sql(scalar: Callable[..., Any], sql: str, expected: int) -> None:
    assert scalar(sql) == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select version_compare()", "Must provide two version strings to compare."),
        ("select version_compare('1.0')", "Must provide two version strings to compare."),
        ("select version_compare(1, '1.0')", "Must provide two version strings to compare."),
        ("select version_compare('1.0', NULL)", "Must provide two version strings to compare."),
        ("select version_compare('1', '2', 3)", "The optional third parameter is not a string."),
        (
            "select version_compare('1', '2', 'DEB')",
            "The optional third parameter does not match one of: (ARCH, DPKG, RHEL).",
        ),
    ],
)
def test_version_compare_errors(scalar: Callable[..., Any], sql: str, message: str) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(sql)
    assert str(failure.value) == message


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select '1.0' = '1.0' collate version", 1),
        ("select '50.4.1b' < '50.4.1c' collate version", 1),
        ("select '20.10a' > '20.102' collate version", 1),
        ("select '4:2' = '4:2-1' collate version_arch", 1),
        ("select '2-2pre' < '2-2rc' collate version_arch", 1),
        ("select '42.2-1' > '42.1-2' collate version_arch", 1),
        ("select '1:2.0-10' = '1:2.0-10' collate version_dpkg", 1),
        ("select '22.07.5-2ubuntu1.3' < '22.07.5-2ubuntu1.4' collate version_dpkg", 1),
        ("select '2:8.2.3995-1ubuntu2.9' > '2:8.2.3995-1ubuntu2.3' collate version_dpkg", 1),
        ("select '0.5.0~rc1^202' = '0.5.0~rc1^202' collate version_rhel", 1),
        ("select '1.1.0~BETA2' < '1.1.0~CR1' collate version_rhel", 1),
        ("select '1.0.0' > '1.0.0~rc2' collate version_rhel", 1),
        ("select '1.0.0' > '1.0.0~rc2' COLLATE VERSION_RHEL", 1),
    ],
)
def test_documented_collation_examples(scalar: Callable[..., Any], sql: str, expected: int) -> None:
    assert scalar(sql) == expected


def _ordered(connection: apsw.Connection, collation: str, versions: list[str]) -> list[str]:
    values = ", ".join(f"('{version}')" for version in versions)
    sql = f"select column1 from (values {values}) order by column1 collate {collation}"
    return [row[0] for row in connection.execute(sql)]


def test_order_by_collate_version_dpkg(connection: apsw.Connection) -> None:
    versions = ["1.0.10", "1:0.1", "0.9.9", "", "1.0.2", "1.0.2-1"]
    assert _ordered(connection, "version_dpkg", versions) == [
        "",
        "0.9.9",
        "1.0.2",
        "1.0.2-1",
        "1.0.10",
        "1:0.1",
    ]


def test_order_by_each_collation(connection: apsw.Connection) -> None:
    versions = ["1.0^1", "2:0.1", "1.0", "0.5", "1.0~rc1"]
    # Without a flavour a longer version is greater once the common part ties.
    assert _ordered(connection, "version", versions) == ["0.5", "1.0", "1.0^1", "1.0~rc1", "2:0.1"]
    assert _ordered(connection, "version_rhel", versions) == [
        "0.5",
        "1.0~rc1",
        "1.0",
        "1.0^1",
        "2:0.1",
    ]
    arch_versions = ["1.1", "2:0.1", "1.0", "0.5", "1.0~rc1"]
    assert _ordered(connection, "version_arch", arch_versions) == [
        "0.5",
        "1.0~rc1",
        "1.0",
        "1.1",
        "2:0.1",
    ]


def test_osquery_quirks_are_kept() -> None:
    # Only the segment difference or length decides, so these differ from dpkg/rpm proper.
    assert compare_versions("1.0^1", "1.9") == 1
    assert compare_versions("1.0.1~rc1", "1.0.1", "DPKG") == 1
    assert compare_versions("1.0-1", "1.9", "RHEL") == 0


def test_column_declared_with_collate_version(connection: apsw.Connection) -> None:
    connection.execute("create table packages(version text collate VERSION)")
    connection.execute("insert into packages values ('1.10'), ('1.2'), ('1.9')")
    rows = connection.execute("select version from packages order by version").fetchall()
    assert rows == [("1.2",), ("1.9",), ("1.10",)]
    assert connection.execute("select max(version) from packages").fetchall() == [("1.10",)]


def test_collations_are_registered_by_lowercase_name() -> None:
    assert sorted(COLLATIONS) == ["version", "version_arch", "version_dpkg", "version_rhel"]
