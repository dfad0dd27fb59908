"""The example package pip-installed: its table, function, logger and config in hostql's tools."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]
EXAMPLE_TESTS = Path(__file__).resolve().parents[2] / "examples/hostql-example-plugin/tests"


@pytest.fixture(scope="module")
def run(example_site: Path, run_with: Callable[..., Run]) -> Run:
    """hostql's commands with the example package installed."""
    return run_with(example_site)


def rows(out: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_table_and_function_join_builtins(run: Run) -> None:
    out = run(
        "hostqli",
        "--json",
        "select s.name, rot13(s.name) as scrambled, count(u.uid) >= 0 as counted "
        "from example_shells s left join users u on u.shell = s.path "
        "where s.path = '/bin/sh' group by s.path",
    )
    assert rows(out) == [{"name": "sh", "scrambled": "fu", "counted": "1"}]
    assert out.stderr == ""


def test_dot_tables_lists_the_plugin_table(run: Run) -> None:
    out = run("hostqli", stdin=".tables example_\n")
    assert out.stdout == "  => example_shells\n"


def test_hostql_tables_lists_the_plugin_table(run: Run) -> None:
    out = run("hostql", "tables", "example_")
    assert out.stdout.split() == ["example_shells"]


def test_introspection_names_the_origin(run: Run) -> None:
    [module] = rows(run("hostqli", "--json", "select * from osquery_extensions where uuid > 0"))
    assert module["name"] == "example"
    assert module["type"] == "module"
    assert module["version"] == "0.1.0"
    assert module["path"].endswith("hostql_example/__init__.py")
    registered = rows(
        run(
            "hostqli",
            "--json",
            "select name, owner_uuid, origin from osquery_registry "
            "where registry = 'table' and name in ('example_shells', 'users')",
        )
    )
    assert registered == [
        {"name": "example_shells", "owner_uuid": module["uuid"], "origin": "entry_point"},
        {"name": "users", "owner_uuid": "0", "origin": "core"},
    ]


def test_disable_extensions_turns_plugins_off(run: Run) -> None:
    out = run("hostqli", "--disable_extensions", "--json", "select rot13('a')")
    assert out.returncode == 1
    assert "no such function: rot13" in out.stderr
    out = run("hostqli", "--disable_extensions", stdin=".tables example_\n")
    assert out.stdout == ""


def test_select_one_does_not_look_for_plugins(example_site: Path) -> None:
    # importlib.metadata alone costs ~40 ms, as much as the rest of `hostqli "select 1"`.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hostql.cli import shell_main; shell_main(['--json', 'select 1']);"
            "print(sorted(m for m in sys.modules if m.startswith(('importlib.metadata', "
            "'hostql_example'))), file=sys.stderr)",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(example_site)},
        timeout=60,
    )
    assert probe.stderr.strip() == "[]", probe.stderr


def test_daemon_logs_through_the_plugin_logger(run: Run, tmp_path: Path) -> None:
    out = run(
        "hostqld",
        "--config_plugin=example",
        "--logger_plugin=filesystem,example_jsonl",
        f"--logger_path={tmp_path / 'log'}",
        f"--database_path={tmp_path / 'db'}",
        f"--pidfile={tmp_path / 'pid'}",
        "--disable_watchdog",
        "--schedule_timeout=3",
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    lines = [
        json.loads(line) for line in (tmp_path / "log" / "example.jsonl").read_text().splitlines()
    ]
    results = [json.loads(entry["line"]) for entry in lines if entry["kind"] == "result"]
    assert {r["name"] for r in results} == {"example_shells"}
    assert {"path": "/bin/sh", "name": "sh"} in [r["columns"] for r in results]
    statuses = [entry["line"] for entry in lines if entry["kind"] == "status"]
    assert any("hostqld started" in line for line in statuses)


def test_the_example_packages_own_tests_pass(example_site: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE_TESTS)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(example_site)},
        cwd=EXAMPLE_TESTS.parent,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert " passed" in out.stdout
