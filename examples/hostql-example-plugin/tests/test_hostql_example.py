"""The example plugin, tested as its author would: hostql.testing against a fixture host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostql.flags import default_values
from hostql.testing import plugin_engine, run_table, table_warnings

import hostql_example
from hostql_example.config import read_config
from hostql_example.logger import JsonLinesLogger
from hostql_example.tables import example_shells


@pytest.fixture
def host(tmp_path: Path) -> Path:
    """A fixture host: two shells, one listed twice, and two users."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "shells").write_text("# comment\n/bin/sh\n/bin/bash\n/bin/bash\n")
    (tmp_path / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"
    )
    return tmp_path


def test_rows(host: Path) -> None:
    assert run_table(example_shells, root=host) == [
        {"path": "/bin/sh", "name": "sh"},
        {"path": "/bin/bash", "name": "bash"},
    ]


def test_path_constraint(host: Path) -> None:
    assert run_table(example_shells, "path = ?", "/bin/sh", root=host, columns="name") == [
        {"name": "sh"}
    ]


def test_missing_file_gives_no_rows(tmp_path: Path) -> None:
    assert run_table(example_shells, root=tmp_path) == []


def test_values_fit_their_columns(host: Path) -> None:
    assert table_warnings(example_shells, root=host) == []


def test_joins_with_builtin_tables_and_functions(host: Path) -> None:
    engine = plugin_engine(hostql_example, root=host)
    rows = engine.query(
        "select u.username, rot13(s.name) as scrambled from users u "
        "join example_shells s on s.path = u.shell order by u.username"
    )
    assert rows == [
        {"username": "alice", "scrambled": "fu"},
        {"username": "root", "scrambled": "onfu"},
    ]
    assert engine.take_warnings() == []


def test_logger_writes_json_lines(tmp_path: Path) -> None:
    values = default_values()
    values.set("logger_path", str(tmp_path / "logs"))
    logger = JsonLinesLogger.from_flags(values)
    logger.log_results(['{"name":"q"}'])
    logger.close()
    lines = (tmp_path / "logs" / "example.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"kind": "result", "line": '{"name":"q"}'}]


def test_config_schedules_the_table() -> None:
    sources = read_config(default_values())
    schedule = json.loads(sources["example"])["schedule"]
    assert schedule["example_shells"]["query"].endswith("from example_shells")
