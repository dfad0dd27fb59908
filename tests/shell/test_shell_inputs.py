"""Input sources in osqueryi's order, statement gathering from stdin, errors and exit statuses."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hostql.shell.inputs import InputCancelled, all_whitespace, process_input
from hostql.shell.session import Session

Shell = Callable[..., Any]

ONE = "+---+\n| 1 |\n+---+\n| 1 |\n+---+\n"


def test_positional_query_prints_pretty(shell: Shell) -> None:
    assert shell("select 1") == shell("select 1")
    result = shell("select 1")
    assert (result.status, result.out, result.err) == (0, ONE, "")


def test_positional_errors(shell: Shell) -> None:
    result = shell("selec")
    assert (result.status, result.out, result.err) == (1, "", 'Error: near "selec": syntax error\n')
    result = shell("select * from foo")
    assert (result.status, result.err) == (1, "Error: no such table: foo\n")


def test_positional_statements_print_in_turn_until_one_fails(shell: Shell) -> None:
    result = shell("--list", "select 1 as a; select 2 as b; select * from nope; select 3")
    assert (result.status, result.out) == (1, "a\n1\nb\n2\n")
    assert result.err == "Error: no such table: nope\n"


def test_positional_query_may_start_with_a_comment(shell: Shell) -> None:
    result = shell("--list", "-- the answer\nselect 42 as x")
    assert (result.status, result.out) == (0, "x\n42\n")


def test_positional_dot_command(shell: Shell) -> None:
    result = shell(".tables upt")
    assert (result.status, result.out) == (0, "  => uptime\n")
    assert shell(".exit").status == 0
    assert shell(".exit 5").status == 5
    assert shell(".nope").status == 1


def test_flags_may_follow_the_query(shell: Shell) -> None:
    assert shell("select 0", "--json").out == '[\n  {"0":"0"}\n]\n'
    assert shell("select 0", "--json_pretty", "--json").out == '[\n  {\n    "0": "0"\n  }\n]\n'


def test_json_output_stays_an_array_when_the_query_fails(shell: Shell) -> None:
    result = shell("--json", "select * from foo")
    assert (result.status, result.out) == (1, "[\n\n]\n")
    assert shell("--json_pretty", "-- only a comment").out == "[]\n"
    assert shell("--json", "select 1 as a; select * from foo").out == '[\n  {"a":"1"}\n]\n'
    assert shell("select * from foo").out == ""


def test_mode_flag_precedence(shell: Shell) -> None:
    sql = "select 1 as a, 2 as b"
    assert shell("--list", "--line", "--csv", sql).out == "a|b\n1|2\n"
    assert shell("--line", "--csv", sql).out == "    a = 1\n    b = 2\n"
    assert shell("--csv", sql).out == "a,b\n1,2\n"
    assert shell("--csv", "--separator=;", sql).out == "a;b\n1;2\n"
    assert shell("--list", "--noheader", "--nullvalue=-", "select null, 1").out == "-|1\n"


def test_query_flag(shell: Shell) -> None:
    result = shell("--list", "--query", "select 3 as c")
    assert (result.status, result.out) == (0, "c\n3\n")
    assert shell("--query=selec").err == 'Error: near "selec": syntax error\n'


def test_query_file(shell: Shell, tmp_path: Path) -> None:
    path = tmp_path / "q.sql"
    path.write_text("-- two statements\nselect 1 as a;\nselect 2 as b;\n")
    result = shell("--list", f"--query_file={path}")
    assert (result.status, result.out) == (0, "a\n1\nb\n2\n")
    missing = shell(f"--query_file={tmp_path / 'missing.sql'}")
    assert missing.status == 1
    assert missing.err == f"Error: Cannot open query file '{tmp_path / 'missing.sql'}'\n"


def test_output_file(shell: Shell, tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    result = shell(f"--output={path}", "select 1")
    assert (result.status, result.out, path.read_text()) == (0, "", ONE)
    assert shell("--output=-", "select 1").out == ONE
    bad = tmp_path / "no" / "such" / "dir"
    result = shell(f"--output={bad}", "select 1")
    assert (result.status, result.err) == (1, f"Error: Cannot open output file '{bad}'\n")


def test_list_tables_switch(shell: Shell) -> None:
    result = shell("-L")
    lines = result.out.splitlines()
    assert result.status == 0
    assert "  => uptime" in lines
    assert lines == sorted(lines)
    assert all(line.startswith("  => ") for line in lines)


def test_select_all_switch(shell: Shell) -> None:
    result = shell("-A", "uptime", "--list")
    assert result.status == 0
    header, row = result.out.splitlines()
    assert header == "days|hours|minutes|seconds|total_seconds"
    assert re.fullmatch(r"\d+\|\d+\|\d+\|\d+\|\d+", row)
    failed = shell("-A", "nope")
    assert (failed.status, failed.out, failed.err) == (1, "", "Error querying table: nope\n")


def test_switches_win_over_queries(shell: Shell) -> None:
    assert shell("-L", "select 1").out.startswith("  => ")


def test_connect_flag_to_a_missing_socket_fails_the_query(shell: Shell) -> None:
    result = shell("--connect=/tmp/hostql-no-such.em", "select 1")
    assert result.status == 1
    assert result.err.startswith("Error: Extension call failed: query on /tmp/hostql-no-such.em")


def test_stdin_statements_and_line_numbers(shell: Shell) -> None:
    stdin = "select 1 as a;\n\nselect\n  nope;\nselect 2 as b; selec;\n"
    result = shell("--list", stdin=stdin)
    assert result.status == 1
    assert result.out == "a\n1\nb\n2\n"
    assert result.err == (
        'Error: near line 3: no such column: nope\nError: near line 5: near "selec": syntax error\n'
    )


def test_stdin_statement_may_span_lines_and_end_without_semicolon(shell: Shell) -> None:
    result = shell("--list", stdin="select\n1 as a,\n2 as b;\nselect 7 as c")
    assert (result.status, result.out) == (0, "a|b\n1|2\nc\n7\n")
    result = shell(stdin="select 1;\nselec")
    assert (result.status, result.err) == (1, 'Error: near line 2: near "selec": syntax error\n')


def test_stdin_comments_and_blank_lines_are_skipped(shell: Shell) -> None:
    result = shell("--list", stdin="-- hi\n\n/* block */\n   \nselect 1 as a; -- trailing\n")
    assert (result.status, result.out, result.err) == (0, "a\n1\n", "")


def test_stdin_semicolon_inside_a_string_does_not_end_the_statement(shell: Shell) -> None:
    result = shell("--list", "--noheader", stdin="select 'a;\nb';\n")
    assert result.out == "a;\nb\n"


def test_bail_stops_at_the_first_error(shell: Shell) -> None:
    stdin = "select 1;\n.bail on\nselec;\nselect 2;\n"
    result = shell("--list", "--noheader", stdin=stdin)
    assert (result.status, result.out) == (1, "1\n")
    assert result.err == 'Error: near line 3: near "selec": syntax error\n'
    result = shell("--list", "--noheader", stdin=stdin.replace("on", "off"))
    assert (result.status, result.out) == (1, "1\n2\n")


def test_stdin_dot_commands(shell: Shell) -> None:
    stdin = (
        ".mode line\nselect 1 as a;\n.headers off\n.mode csv\nselect 'x y' as q, null;\n"
        ".nullvalue NULL\n.mode pretty\nselect null as n;\n.print done\n"
    )
    result = shell(stdin=stdin)
    assert result.out == (
        '    a = 1\n"x y",\n+------+\n| n    |\n+------+\n| NULL |\n+------+\ndone\n'
    )
    assert (result.status, result.err) == (0, "")


def test_stdin_unknown_command_counts_as_an_error(shell: Shell) -> None:
    result = shell("--list", stdin=".frob\nselect 1 as a;\n")
    assert (result.status, result.out) == (1, "a\n1\n")
    assert result.err.startswith('Error: unknown command or invalid arguments:  "frob"')


def test_stdin_exit(shell: Shell) -> None:
    assert shell(stdin="select 1;\n.exit 7\nselect 2;\n").status == 7
    result = shell("--list", stdin="selec;\n.quit\nselect 2;\n")
    assert (result.status, result.out) == (1, "")
    assert shell(stdin=".exit\nselec;\n").status == 0


def test_stdin_types_gathers_a_statement(shell: Shell) -> None:
    result = shell("--list", stdin=".types select days,\n1 as one from uptime;\n")
    assert result.out == "name|type\ndays|INTEGER\none|INTEGER\n"


def test_echo_prints_statements_and_commands(shell: Shell) -> None:
    stdin = ".echo on\nselect 1 as a; select 2 as b;\n.print x\n"
    result = shell("--list", stdin=stdin)
    assert result.out == "select 1 as a;\na\n1\nselect 2 as b;\nb\n2\n.print x\nx\n"


def test_timer_prints_run_time(shell: Shell) -> None:
    result = shell("--list", stdin=".timer on\nselect 1 as a;\n")
    lines = result.out.splitlines()
    assert lines[:2] == ["a", "1"]
    assert re.fullmatch(r"Run Time: real \d+\.\d{3} user \d+\.\d{6} sys \d+\.\d{6}", lines[2])


def test_profile_runs_without_output(shell: Shell) -> None:
    result = shell("--profile=3", stdin="select 1\n")
    assert (result.status, result.out, result.err) == (0, "", "")
    result = shell("--profile=2", stdin="selec\n")
    assert (result.status, result.err) == (1, 'Query failed (1): near "selec": syntax error\n')


def test_table_warnings_go_to_stderr(
    session: Session, output: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    session.mode = "list"
    assert session.run_sql("select name from pets where legs = 4") is None
    assert output() == "name\ndog\n"
    assert capsys.readouterr().err == "Warning: pets: the cat is hiding\n"


def test_interactive_errors_have_no_line_number_and_ctrl_c_drops_the_statement(
    session: Session, output: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    session.interactive = True
    session.mode = "list"
    queue: list[str | BaseException | None] = [
        "select name",
        InputCancelled(),
        "selec;",
        ".bail on",
        "select 1 as a;",
        None,
    ]
    prompts: list[bool] = []

    def read(continuation: bool) -> str | None:
        prompts.append(continuation)
        item = queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    assert process_input(session, read) == 1
    assert output() == "a\n1\n"
    assert capsys.readouterr() == ("\n", 'Error: near "selec": syntax error\n')
    assert prompts == [False, True, False, False, False, False]


@pytest.mark.parametrize(
    ("text", "blank"),
    [
        ("", True),
        ("  \t", True),
        ("-- c", True),
        ("/* c */ -- d\n ", True),
        ("/* open", False),
        ("select", False),
        ("-- c\nselect", False),
    ],
)
def test_all_whitespace(text: str, blank: bool) -> None:
    assert all_whitespace(text) is blank
