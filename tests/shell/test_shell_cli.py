"""End to end: the real hostqli process, its exact output, exit statuses and lazy startup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Shell = Callable[..., Any]

UPTIME_SCHEMA = (
    "CREATE TABLE uptime(`days` INTEGER, `hours` INTEGER, `minutes` INTEGER, "
    "`seconds` INTEGER, `total_seconds` BIGINT);\n"
)


def test_select_zero_in_each_json_flavour(hostqli: Shell) -> None:
    assert hostqli("select 0").out == "+---+\n| 0 |\n+---+\n| 0 |\n+---+\n"
    assert hostqli("--json", "select 0").out == '[\n  {"0":"0"}\n]\n'
    assert hostqli("--json_pretty", "select 0").out == '[\n  {\n    "0": "0"\n  }\n]\n'


def test_errors_and_exit_statuses(hostqli: Shell) -> None:
    result = hostqli("selec")
    assert (result.status, result.out, result.err) == (1, "", 'Error: near "selec": syntax error\n')
    result = hostqli("select * from foo")
    assert (result.status, result.err) == (1, "Error: no such table: foo\n")
    result = hostqli("--list", stdin="select 1 as a;\nselec 2;\n")
    assert (result.status, result.out) == (1, "a\n1\n")
    assert result.err == 'Error: near line 2: near "selec": syntax error\n'
    assert hostqli(stdin="select 1;\n.exit 4\n").status == 4
    assert hostqli(stdin="select 1;\n").status == 0


def test_schema_and_tables(hostqli: Shell) -> None:
    assert hostqli(".schema uptime").out == UPTIME_SCHEMA
    listed = hostqli("-L")
    assert listed.status == 0
    assert "  => uptime\n" in listed.out


def test_startup_stays_lazy(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from hostql.cli import shell_main\n"
        "status = shell_main(['--json', 'select 1'])\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, HOME=str(tmp_path)),
    )
    assert (done.returncode, done.stdout) == (0, '[\n  {"1":"1"}\n]\n')
    modules = set(json.loads(done.stderr.splitlines()[-1]))
    assert not modules & {"readline", "rlcompleter", "pty", "asyncio", "prompt_toolkit"}
    table_modules = {
        m for m in modules if m.startswith("hostql.tables.") and m != "hostql.tables.catalog"
    }
    assert not table_modules
    shell_extras = {"hostql.shell.interactive", "hostql.shell.columntypes", "hostql.shell.settings"}
    assert not modules & shell_extras
