"""The entry points: one-line errors and exit codes, help, the umbrella command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostql", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_version() -> None:
    out = run("version")
    assert out.returncode == 0
    assert out.stdout.startswith("hostql ")


def test_tables_lists_without_traceback() -> None:
    out = run("tables", "osquery_")
    assert out.returncode == 0
    assert out.stdout.split() == [
        "osquery_events",
        "osquery_extensions",
        "osquery_flags",
        "osquery_info",
        "osquery_packs",
        "osquery_registry",
        "osquery_schedule",
    ]


def test_unknown_subcommand() -> None:
    out = run("frobnicate")
    assert out.returncode == 1
    assert out.stderr == "hostql: unknown command 'frobnicate' (shell, daemon, tables, version)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no_such_flag"], "hostqli: unknown command line flag 'no_such_flag'\n"),
        (
            ["--alarm_timeout=x"],
            "hostqli: illegal value 'x' specified for uint64 flag 'alarm_timeout'\n",
        ),
    ],
)
def test_bad_flags_exit_one_with_one_line(args: list[str], message: str) -> None:
    out = run("shell", *args)
    assert out.returncode == 1
    assert out.stderr == message
    assert "Traceback" not in out.stderr


def test_bad_flagfile_names_file_and_line(tmp_path: Path) -> None:
    flagfile = tmp_path / "x.flags"
    flagfile.write_text("--verbose\n--logger_path\n")
    out = run("shell", f"--flagfile={flagfile}", "select 1")
    assert out.returncode == 1
    assert out.stderr == f"hostqli: {flagfile}:2: flag 'logger_path' is missing its value\n"


def test_help_lists_flags_by_kind() -> None:
    out = run("shell", "--help")
    assert out.returncode == 0
    assert "Usage: hostqli [OPTION]... [SQL STATEMENT]" in out.stdout
    assert "hostql shell-only CLI flags:" in out.stdout
    assert "--json" in out.stdout and "--config_path VALUE" in out.stdout
