"""Every dot-command, with osqueryi's output and error texts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from hostql.shell.commands import EXIT, FAILED, HELP, OK, run_meta
from hostql.shell.session import Session, ShellExit

Shell = Callable[..., Any]

UPTIME_SCHEMA = (
    "CREATE TABLE uptime(`days` INTEGER, `hours` INTEGER, `minutes` INTEGER, "
    "`seconds` INTEGER, `total_seconds` BIGINT);\n"
)
Meta = Callable[[str], tuple[int, str, str]]


@pytest.fixture
def meta(session: Session, capsys: pytest.CaptureFixture[str], output: Callable[[], str]) -> Meta:
    """Run a dot-command line: its status, stdout and stderr."""

    def run(line: str) -> tuple[int, str, str]:
        status = run_meta(session, line)
        return status, output(), capsys.readouterr().err

    return run


def test_tables_lists_tables_and_aliases_sorted(meta: Meta) -> None:
    assert meta(".tables") == (OK, "  => animals\n  => pets\n", "")
    assert meta(".tables pe") == (OK, "  => pets\n", "")
    assert meta(".list an") == (OK, "  => animals\n", "")
    assert meta(".tables zebra") == (OK, "", "")


def test_schema_prints_create_table_for_matching_tables(meta: Meta) -> None:
    expected = "CREATE TABLE pets(`name` TEXT, `legs` INTEGER, `owner` TEXT HIDDEN);\n"
    assert meta(".schema") == (OK, expected, "")
    assert meta(".schema pe") == (OK, expected, "")
    assert meta(".schema zebra") == (OK, "", "")


def test_mode_switching(session: Session, meta: Meta) -> None:
    assert meta(".mode csv")[0] == OK
    assert session.separator == ","
    assert meta(".all pets") == (
        OK,
        "name,legs\ndog,4\nsnake,0\nbird,\n",
        "Warning: pets: the cat is hiding\n",
    )
    for word, mode in [
        ("lines", "line"),
        ("columns", "column"),
        ("list", "list"),
        ("line", "line"),
        ("column", "column"),
        ("pretty", "pretty"),
    ]:
        assert meta(f".mode {word}")[0] == OK
        assert session.mode == mode
    assert meta(".mode csvx") == (
        FAILED,
        "",
        "Error: mode should be one of: column csv line list pretty\n",
    )


def test_headers_and_nullvalue(meta: Meta) -> None:
    for line in (".mode list", ".headers off", ".nullvalue NULL"):
        assert meta(line)[0] == OK
    _, out, _ = meta(".all pets")
    assert out == "dog|4\nsnake|0\nbird|NULL\n"
    meta(".header on")
    assert meta(".all pets")[1].startswith("name|legs\n")


def test_nullvalue_and_separator_are_cut_to_nineteen_bytes(session: Session, meta: Meta) -> None:
    meta(".nullvalue " + "x" * 30)
    meta(".separator " + "é" * 10)
    assert session.nullvalue == "x" * 19
    assert session.separator == "é" * 9


def test_all_reports_a_failing_table(meta: Meta) -> None:
    assert meta(".all zebra") == (FAILED, "", "Error querying table: zebra\n")


def test_print_joins_arguments(meta: Meta) -> None:
    assert meta('.print hello "big\\tworld"') == (OK, "hello big\tworld\n", "")
    assert meta(".print") == (OK, "\n", "")


def test_exit_and_quit(session: Session, meta: Meta) -> None:
    assert run_meta(session, ".exit") == EXIT
    assert run_meta(session, ".exit 0") == EXIT
    assert run_meta(session, ".quit") == EXIT
    with pytest.raises(ShellExit) as exited:
        run_meta(session, ".exit 3")
    assert exited.value.code == 3


def test_unknown_command(meta: Meta) -> None:
    assert meta(".trace") == (
        FAILED,
        "",
        'Error: unknown command or invalid arguments:  "trace". Enter ".help" for help\n',
    )


def test_switches_accept_osquery_booleans(session: Session, meta: Meta) -> None:
    assert meta(".bail on") == (OK, "", "")
    assert session.bail is True
    assert meta(".echo YES")[0] == OK
    assert session.echo is True
    assert meta(".timer enable")[0] == OK
    assert session.timer is True
    assert meta(".bail maybe") == (
        OK,
        "",
        'ERROR: Not a boolean value: "maybe". Assuming "no".\n',
    )
    assert session.bail is False


def test_help_goes_to_stderr(meta: Meta) -> None:
    assert meta(".help") == (OK, "", HELP)
    assert ".all [TABLE]     Select all from a table\n" in HELP
    assert HELP.endswith(".timer ON|OFF      Turn the CPU timer measurement on or off\n")


def test_connect_and_disconnect_as_osqueryi_words_them(session: Session, meta: Meta) -> None:
    # Queries over the socket are tested in tests/extensions (test_extensions_shell.py).
    assert meta(".disconnect") == (FAILED, "", "Error: Not connected to a socket\n")
    connected = "Connected to extension socket /tmp/x.em for debugging\n"
    assert meta(".connect /tmp/x.em") == (OK, connected, "")
    session.values.set("extensions_socket", "/tmp/hostql.em")
    assert meta(".socket") == (OK, "/tmp/hostql.em (connected to /tmp/x.em)\n", "")
    assert meta(".connect /tmp/y.em") == (
        FAILED,
        "",
        "Error: Please disconnect from the current socket\n",
    )
    assert meta(".disconnect") == (OK, "Disconnected from extension socket /tmp/x.em\n", "")


def test_socket_prints_the_extensions_socket(session: Session, meta: Meta) -> None:
    session.values.set("extensions_socket", "/tmp/hostql.em")
    assert meta(".socket") == (OK, "/tmp/hostql.em\n", "")


def test_version(meta: Meta) -> None:
    _, out, _ = meta(".version")
    assert re.fullmatch(r"hostql \S+\nusing SQLite \d+\.\d+\.\d+\n", out)


def test_features_lists_disable_and_enable_bool_flags(meta: Meta) -> None:
    _, out, _ = meta(".features")
    lines = out.splitlines()
    assert "disable_events: false" in lines
    assert lines == sorted(lines)
    assert all(re.fullmatch(r"(disable|enable)\w+: (true|false)", line) for line in lines)


def test_show_summarises_settings(session: Session, meta: Meta) -> None:
    session.values.set("nullvalue", "nil")
    for line in (".mode line", ".width 5 -3", ".separator \\t"):
        meta(line)
    _, out, _ = meta(".summary")
    assert out.startswith("hostql - being built, with love.\n" + "~" * 45 + "\nhostql ")
    assert "\nGeneral settings:\n     Flagfile: \n" in out
    assert "\nShell settings:\n         echo: off\n      headers: on\n         mode: line\n" in out
    assert '    nullvalue: ""\n       output: stdout\n    separator: "\\t"\n' in out
    assert "        width: 5 -3 \n" in out
    assert out.endswith("\nNon-default flags/options:\n  nullvalue: nil\n")


def test_width_sets_column_widths(meta: Meta) -> None:
    for line in (".mode column", ".width 4 2"):
        meta(line)
    assert meta(".all pets")[1] == ("name  le\n----  --\ndog   4 \nsnak  0 \nbird    \n")


def test_types_lists_column_names_and_types(meta: Meta) -> None:
    meta(".mode list")
    status, out, err = meta(".types select name, legs, 1 as one, 'x' as s from pets")
    assert (status, err) == (OK, "")
    assert out == "name|type\nname|TEXT\nlegs|INTEGER\none|INTEGER\ns|TEXT\n"
    assert meta(".types selec") == (
        OK,
        'Error 1: near "selec": syntax error\n',
        "",
    )


def test_timeout_sets_the_busy_timeout(meta: Meta) -> None:
    assert meta(".timeout 250") == (OK, "", "")


def test_schema_of_the_real_uptime_table(shell: Shell) -> None:
    assert shell(".schema uptime").out == UPTIME_SCHEMA
