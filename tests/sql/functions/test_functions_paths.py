"""parent_directory(), find_file_path_in_cmd() and is_path_deterministic()."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hostql.errors import SqlError
from hostql.sql.functions import paths


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select parent_directory('/usr/bin/env')", "/usr/bin"),
        ("select parent_directory('/usr/bin/')", "/usr/bin"),
        ("select parent_directory('/usr')", ""),
        ("select parent_directory('/')", ""),
        ("select parent_directory('relative/file')", "relative"),
        ("select parent_directory('file')", None),
        ("select parent_directory('')", None),
        ("select parent_directory('/a' || char(0) || '/b')", ""),
    ],
)
def test_parent_directory(scalar: Callable[..., Any], sql: str, expected: str | None) -> None:
    assert scalar(sql) == expected


@pytest.mark.parametrize("argument", ["NULL", "1", "x'2f61'"])
def test_parent_directory_needs_text(scalar: Callable[..., Any], argument: str) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(f"select parent_directory({argument})")
    assert str(failure.value) == "Invalid inputs to parent_directory, TEXT was expected"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Files whose names make command lines ambiguous: "app", "app -v" and "my prog"."""
    (tmp_path / "app").write_text("")
    (tmp_path / "app -v").write_text("")
    (tmp_path / "my prog").write_text("")
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "my prog")
    return tmp_path


def test_find_program_path(tree: Path) -> None:
    assert paths.find_program_path(f"{tree}/app -v -x") == f"{tree}/app"
    assert paths.find_program_path(f"{tree}/app -v -x", shortest=False) == f"{tree}/app -v"
    assert paths.find_program_path(f"   {tree}/app") == f"{tree}/app"
    assert paths.find_program_path(f"{tree}/my prog --flag") == f"{tree}/my prog"
    assert paths.find_program_path(f"{tree}/link arg") == f"{tree}/link"
    assert paths.find_program_path(f"{tree}/dir arg") == ""
    assert paths.find_program_path(f"{tree}/missing arg") == ""
    assert paths.find_program_path("") == ""


def test_find_program_path_quotes_and_escapes(tree: Path) -> None:
    quoted = f'"{tree}/app -v" -x'
    assert paths.find_program_path(quoted, allow_quotes=True) == f"{tree}/app -v"
    # Without quoting the quote characters stay part of the candidate.
    assert paths.find_program_path(quoted) == ""
    assert paths.find_program_path(f"{tree}/app\\ -v -x") == f"{tree}/app -v"
    assert paths.find_program_path(f"{tree}/app^ -v -x", escape="^") == f"{tree}/app -v"


def test_find_program_path_uses_the_injected_check() -> None:
    existing = {"/opt/a b", "/opt/a"}
    found = paths.find_program_path("/opt/a b c", shortest=False, exists=existing.__contains__)
    assert found == "/opt/a b"


def test_find_file_path_in_cmd(scalar: Callable[..., Any], tree: Path) -> None:
    assert scalar("select find_file_path_in_cmd(?)", f"{tree}/app -v -x") == f"{tree}/app"
    assert scalar("select find_file_path_in_cmd(?)", f"{tree}/my prog a") == f"{tree}/my prog"
    assert scalar("select find_file_path_in_cmd(?, 1)", f'"{tree}/app -v" -x') == (f"{tree}/app -v")
    assert scalar("select find_file_path_in_cmd(?, 0, '^')", f"{tree}/app^ -v") == (
        f"{tree}/app -v"
    )
    assert scalar("select find_file_path_in_cmd(?)", f"{tree}/nothing here") == ""


@pytest.mark.parametrize(
    "sql",
    [
        "select find_file_path_in_cmd()",
        "select find_file_path_in_cmd(NULL)",
        "select find_file_path_in_cmd('/bin/sh', NULL)",
        "select find_file_path_in_cmd('/bin/sh', 0, '')",
        "select find_file_path_in_cmd('/bin/sh', 0, 'ab')",
        "select find_file_path_in_cmd('/bin/sh', 0, 'é')",
    ],
)
def test_find_file_path_in_cmd_errors(scalar: Callable[..., Any], sql: str) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(sql)
    # osquery reports under the function's former name.
    assert str(failure.value) == "Invalid inputs to find_binary_path_from_cmd"


def test_is_path_deterministic(scalar: Callable[..., Any], tree: Path) -> None:
    # Two prefixes name files: "app" and "app -v".
    assert scalar("select is_path_deterministic(?)", f"{tree}/app -v -x") == 0
    assert scalar("select is_path_deterministic(?)", f"{tree}/my prog a") == 1
    assert scalar("select is_path_deterministic(?)", f"{tree}/app") == 1
    assert scalar("select is_path_deterministic(?)", f"{tree}/missing a b") == 1
    assert scalar("select is_path_deterministic(?, 1)", f'"{tree}/app -v" -x') == 1
    # Leading blanks make the raw length differ, so the longest match decides.
    assert scalar("select is_path_deterministic(?)", f"  {tree}/app") == 1


@pytest.mark.parametrize(
    "sql",
    [
        "select is_path_deterministic()",
        "select is_path_deterministic(NULL)",
        "select is_path_deterministic('/bin/sh', 0, 'xy')",
    ],
)
def test_is_path_deterministic_errors(scalar: Callable[..., Any], sql: str) -> None:
    with pytest.raises(SqlError) as failure:
        scalar(sql)
    assert str(failure.value) == "Invalid inputs to is_path_deterministic"
