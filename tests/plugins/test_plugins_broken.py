"""Broken plugins (import error, failing generator, wrong row types) next to a working one."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]
IMPORT_WARNING = (
    "Warning: Plugin broken_import [broken_import-dist 0.1] failed to load: "
    "ModuleNotFoundError: No module named 'hostql_no_such_module_xyz'"
)


@pytest.fixture(scope="module")
def run(example_site: Path, broken_site: Path, run_with: Callable[..., Run]) -> Run:
    """hostql's commands with the example and the broken plugins installed."""
    return run_with(example_site, broken_site)


def test_import_error_is_one_warning_and_the_rest_works(run: Run) -> None:
    out = run("hostqli", "--json", "select name from example_shells where path = '/bin/sh'")
    assert out.returncode == 0
    assert json.loads(out.stdout) == [{"name": "sh"}]
    assert out.stderr.splitlines() == [IMPORT_WARNING]


def test_import_error_costs_nothing_until_plugins_are_needed(run: Run) -> None:
    out = run("hostqli", "--json", "select 1 as one")
    assert (out.returncode, out.stderr) == (0, "")


def test_failing_generator_fails_its_query_only(run: Run) -> None:
    out = run(
        "hostqli",
        "--json",
        stdin="select * from broken_rows;\n"
        "select name from example_shells where path = '/bin/sh';\n",
    )
    assert json.loads(out.stdout.split("]\n", 1)[1]) == [{"name": "sh"}]
    assert (
        "Error: near line 1: table broken_rows (plugin broken_rows [broken_rows-dist 0.1]) "
        "failed: RuntimeError: disk on fire"
    ) in out.stderr.splitlines()


def test_wrong_row_types_become_null_with_one_warning_each(run: Run) -> None:
    out = run("hostqli", "--json", "select n, label from broken_types")
    assert out.returncode == 0
    assert json.loads(out.stdout) == [
        {"n": "", "label": "list in an INTEGER column"},
        {"n": "3", "label": "fine"},
    ]
    prefix = "Warning: Plugin broken_types [broken_types-dist 0.1]: table broken_types "
    assert out.stderr.splitlines() == [
        IMPORT_WARNING,
        prefix + "column n (INTEGER) got [1, 2]; used NULL",
        prefix + "yielded a tuple, not a dict; rows like it skipped",
    ]


def test_daemon_reports_each_broken_plugin_in_its_status_log(run: Run, tmp_path: Path) -> None:
    config = tmp_path / "hostql.conf"
    queries = {
        "shells": "select name from example_shells where path = '/bin/sh'",
        "rows": "select * from broken_rows",
        "types": "select n from broken_types",
    }
    schedule = {name: {"query": sql, "interval": 1} for name, sql in queries.items()}
    config.write_text(json.dumps({"schedule": schedule}))
    out = run(
        "hostqld",
        f"--config_path={config}",
        f"--logger_path={tmp_path / 'log'}",
        f"--database_path={tmp_path / 'db'}",
        f"--pidfile={tmp_path / 'pid'}",
        "--disable_watchdog",
        "--schedule_timeout=2",
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    status = (tmp_path / "log" / "osqueryd.INFO").read_text()
    assert "Plugin broken_import [broken_import-dist 0.1] failed to load" in status
    assert (
        "Error executing scheduled query rows: table broken_rows "
        "(plugin broken_rows [broken_rows-dist 0.1]) failed: RuntimeError: disk on fire"
    ) in status
    assert "Scheduled query types: Plugin broken_types [broken_types-dist 0.1]" in status
    results = (tmp_path / "log" / "osqueryd.results.log").read_text().splitlines()
    names = {json.loads(line)["name"] for line in results}
    assert names == {"shells", "types"}
