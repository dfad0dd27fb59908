"""register(): every function osquery adds, with osquery's argument counts and flags."""

from __future__ import annotations

import apsw
import pytest

from hostql.sql.functions import register

SQLITE_DETERMINISTIC = 0x800

DETERMINISTIC = {
    ("sqrt", 1), ("acos", 1), ("asin", 1), ("atan", 1), ("cos", 1), ("sin", 1), ("tan", 1),
    ("cot", 1), ("exp", 1), ("log", 1), ("log10", 1), ("power", 2), ("ceil", 1), ("floor", 1),
    ("degrees", 1), ("radians", 1), ("pi", 0), ("split", 3), ("regex_split", 3),
    ("regex_match", 3), ("inet_aton", 1), ("concat", -1), ("concat_ws", -1),
    ("version_compare", -1), ("md5", 1), ("sha1", 1), ("sha256", 1), ("community_id_v1", 5),
    ("community_id_v1", 6), ("community_id_v1_strict", 5), ("community_id_v1_strict", 6),
    ("in_cidr_block", 2), ("to_base64", 1), ("from_base64", 1), ("conditional_to_base64", 1),
    ("parent_directory", 1), ("find_file_path_in_cmd", -1), ("is_path_deterministic", -1),
}  # fmt: skip


@pytest.fixture
def functions(connection: apsw.Connection) -> dict[tuple[str, int], tuple[str, int]]:
    """(name, arguments) -> (type, flags) of the functions registered by the application."""
    rows = connection.execute(
        "select name, narg, type, flags from pragma_function_list where builtin = 0"
    )
    return {(name, narg): (kind, flags) for name, narg, kind, flags in rows}


def test_every_function_is_registered(functions: dict[tuple[str, int], tuple[str, int]]) -> None:
    # apsw's bundled extensions (fts5, geopoly, ...) also count as application functions.
    assert DETERMINISTIC | {("sleep", 1), ("carve", 1)} <= set(functions)


def test_deterministic_flags(functions: dict[tuple[str, int], tuple[str, int]]) -> None:
    for key in DETERMINISTIC:
        assert functions[key][1] & SQLITE_DETERMINISTIC, key
    assert not functions["sleep", 1][1] & SQLITE_DETERMINISTIC
    assert not functions["carve", 1][1] & SQLITE_DETERMINISTIC
    assert functions["carve", 1][0] == "a"


def test_collations_are_registered(connection: apsw.Connection) -> None:
    names = {row[1] for row in connection.execute("pragma collation_list")}
    assert {"version", "version_arch", "version_dpkg", "version_rhel"} <= names


def test_registering_twice_is_harmless(connection: apsw.Connection) -> None:
    register(connection)
    assert connection.execute("select log(1), split('a b', ' ', 1)").fetchall() == [(0.0, "b")]
