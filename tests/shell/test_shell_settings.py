"""The .show and .version texts."""

from __future__ import annotations

import re

import apsw

from hostql.flags import default_values, parse_args
from hostql.shell.session import Session
from hostql.shell.settings import c_string, hostql_version, non_default_flags, version_text


def test_c_string_escapes_like_the_sqlite_shell() -> None:
    assert c_string('a"b\\c') == '"a\\"b\\\\c"'
    assert c_string("\t\n\r") == '"\\t\\n\\r"'
    assert c_string("\x01é") == '"\\001\\303\\251"'
    assert c_string("") == '""'


def test_version_text() -> None:
    text = version_text()
    assert text == f"hostql {hostql_version()}\nusing SQLite {apsw.sqlite_lib_version()}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", hostql_version())


def test_non_default_flags_are_sorted_name_value_pairs() -> None:
    values = default_values()
    parse_args(["--nullvalue=NULL", "--disable_events", "--header=true"], values)
    assert non_default_flags(Session(values)) == [
        ("disable_events", "true"),
        ("nullvalue", "NULL"),
    ]
