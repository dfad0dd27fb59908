"""The carve() aggregate and sleep()."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import apsw
import pytest

from hostql.sql.functions import operations


@pytest.fixture(autouse=True)
def carver_disabled() -> Iterator[None]:
    """Every test starts, and leaves, with carving disabled (osquery's default)."""
    operations.set_carve_starter(None)
    yield
    operations.set_carve_starter(None)


def test_carve_is_disabled_by_default(scalar: Callable[..., Any]) -> None:
    sql = "select carve(column1) from (values ('/etc/passwd'), ('/etc/hosts'))"
    assert scalar(sql) == "Carve Failed:"


def test_carve_starts_one_carve_of_every_distinct_path(scalar: Callable[..., Any]) -> None:
    requests: list[frozenset[str]] = []

    def start(paths: frozenset[str]) -> str:
        requests.append(paths)
        return "c0ffee00-0000-0000-0000-000000000000"

    operations.set_carve_starter(start)
    rows = "('/etc/passwd'), (NULL), ('/etc/hosts'), ('/etc/hosts')"
    sql = f"select carve(column1) from (values {rows})"
    # osquery truncates "Carve Started: <guid>" to 13 characters.
    assert scalar(sql) == "Carve Started"
    assert requests == [frozenset({"/etc/passwd", "/etc/hosts"})]


def test_carve_over_no_rows_still_finishes(scalar: Callable[..., Any]) -> None:
    requests: list[frozenset[str]] = []
    operations.set_carve_starter(lambda paths: requests.append(paths) or "guid")
    assert scalar("select carve(column1) from (values ('x')) where 0") == "Carve Started"
    assert requests == [frozenset()]


def test_each_carve_collects_its_own_paths(connection: apsw.Connection) -> None:
    requests: list[frozenset[str]] = []
    operations.set_carve_starter(lambda paths: requests.append(paths) or "guid")
    sql = "select carve(column1) from (values ('/a'), ('/b')) group by column1 order by column1"
    assert connection.execute(sql).fetchall() == [("Carve Started",), ("Carve Started",)]
    assert requests == [frozenset({"/a"}), frozenset({"/b"})]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record sleep durations instead of sleeping."""
    recorded: list[float] = []
    monkeypatch.setattr(operations.time, "sleep", recorded.append)
    return recorded


@pytest.mark.parametrize(
    ("argument", "result", "slept"),
    [
        ("2", 2, [2]),
        ("0", 0, [0]),
        ("-3", 0, []),
        ("'3'", 3, [3]),
        ("1.9", 1, [1]),
        ("NULL", 0, [0]),
        ("'soon'", 0, [0]),
        ("4294967297", 1, [1]),
    ],
)
def test_sleep(
    scalar: Callable[..., Any], sleeps: list[float], argument: str, result: int, slept: list[int]
) -> None:
    assert scalar(f"select sleep({argument})") == result
    assert sleeps == slept


def test_sleep_really_sleeps(scalar: Callable[..., Any]) -> None:
    assert scalar("select sleep(0)") == 0
