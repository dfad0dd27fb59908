"""The renderers print exactly what osqueryi prints, mode by mode."""

from __future__ import annotations

import pytest

from hostql.shell.render import MODES, RenderSettings, cell_text, csv_field, render

NULLS = RenderSettings(nullvalue="NULL")


def test_pretty_select_zero_matches_osqueryi() -> None:
    assert render("pretty", ["0"], [(0,)]) == "+---+\n| 0 |\n+---+\n| 0 |\n+---+\n"


def test_pretty_widths_count_utf8_characters_and_nulls_use_nullvalue() -> None:
    text = render("pretty", ["name", "v"], [("é", None), ("long value", 1)])
    assert text == (
        "+------------+---+\n"
        "| name       | v |\n"
        "+------------+---+\n"
        "| é          |   |\n"
        "| long value | 1 |\n"
        "+------------+---+\n"
    )


def test_pretty_prints_nothing_for_zero_rows() -> None:
    assert render("pretty", ["a"], []) == ""


def test_pretty_repeated_column_names_collapse_to_the_last_value() -> None:
    assert render("pretty", ["a", "a"], [(1, 22)]) == (
        "+----+----+\n| a  | a  |\n+----+----+\n| 22 | 22 |\n+----+----+\n"
    )


def test_pretty_null_text() -> None:
    assert render("pretty", ["n"], [(None,)], NULLS) == (
        "+------+\n| n    |\n+------+\n| NULL |\n+------+\n"
    )


def test_json_select_zero_matches_osqueryi() -> None:
    assert render("json", ["0"], [(0,)]) == '[\n  {"0":"0"}\n]\n'


def test_json_sorts_keys_and_makes_every_value_a_string() -> None:
    text = render("json", ["b", "a"], [(1, None), ('x"y\n\x01\\/é', 2.5)])
    assert text == ('[\n  {"a":"","b":"1"},\n  {"a":"2.5","b":"x\\"y\\n\\u0001\\\\/é"}\n]\n')


def test_json_zero_rows() -> None:
    assert render("json", ["a"], []) == "[\n\n]\n"


def test_json_pretty_select_zero_matches_osqueryi() -> None:
    assert render("json_pretty", ["0"], [(0,)]) == '[\n  {\n    "0": "0"\n  }\n]\n'


def test_json_pretty_several_rows() -> None:
    text = render("json_pretty", ["b", "a"], [(1, 2), (None, "\t")], NULLS)
    assert text == (
        '[\n  {\n    "a": "2",\n    "b": "1"\n  },\n  {\n    "a": "\\t",\n    "b": "NULL"\n  }\n]\n'
    )


def test_json_pretty_zero_rows() -> None:
    assert render("json_pretty", ["a"], []) == "[]\n"


def test_line_right_aligns_names_to_at_least_five() -> None:
    text = render("line", ["a", "longname"], [(1, None), (2, "x")], NULLS)
    assert text == "       a = 1\nlongname = NULL\n\n       a = 2\nlongname = x\n"
    assert render("line", ["a"], [(1,)]) == "    a = 1\n"
    assert render("line", ["a"], []) == ""


def test_column_widths_come_from_names_and_the_first_row() -> None:
    text = render("column", ["a", "b"], [("1", "hello world wide"), ("22", None)])
    assert text == (
        "a           b               \n"
        "----------  ----------------\n"
        "1           hello world wide\n"
        "22                          \n"
    )


def test_column_explicit_widths_truncate_and_negative_right_aligns() -> None:
    settings = RenderSettings(widths=(3, -5), header=False)
    assert render("column", ["x", "y"], [("hello", "ab")], settings) == "hel     ab\n"


def test_column_header_dashes_stop_at_93() -> None:
    lines = render("column", ["x"], [("v",)], RenderSettings(widths=(100,))).splitlines()
    assert lines[1] == "-" * 93 + " " * 7


def test_column_nothing_for_zero_rows() -> None:
    assert render("column", ["a"], []) == ""


def test_list_with_and_without_header() -> None:
    assert render("list", ["a", "b"], [(1, None)]) == "a|b\n1|\n"
    settings = RenderSettings(separator=", ", header=False, nullvalue="-")
    assert render("list", ["a", "b"], [(1, None), (2, 3)], settings) == "1, -\n2, 3\n"
    assert render("list", ["a"], []) == ""


def test_csv_quotes_what_the_sqlite_shell_quotes() -> None:
    settings = RenderSettings(separator=",", nullvalue="N")
    row = ("plain", "has space", 'q"uote', "comma,here", "é", "it's", None, 7)
    names = ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert render("csv", names, [row], settings) == (
        'a,b,c,d,e,f,g,h\nplain,"has space","q""uote","comma,here","é","it\'s",N,7\n'
    )


def test_csv_header_off_and_zero_rows() -> None:
    settings = RenderSettings(separator=",", header=False)
    assert render("csv", ["a b"], [("x",)], settings) == "x\n"
    assert render("csv", ["a"], [], settings) == ""


def test_csv_multi_character_separator_quirk() -> None:
    # The SQLite shell compares a long separator with the start of the value only.
    assert csv_field("a:b", "::") == "a:b"
    assert csv_field("::b", "::") == '"::b"'
    assert csv_field("a;b", ";") == '"a;b"'
    assert csv_field("tab\there", ",") == '"tab\there"'
    assert csv_field("del\x7f", ",") == '"del\x7f"'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        (0, "0"),
        (-12, "-12"),
        (1.5, "1.5"),
        (2.0, "2.0"),
        (-3.25, "-3.25"),
        (0.1, "0.1"),
        (1e20, "1.0e+20"),
        ("héllo", "héllo"),
        (b"raw", "raw"),
        ("a\0b", "a"),
        (float("nan"), None),
        (float("inf"), "Inf"),
    ],
)
def test_cell_text_is_sqlite_text_form(value: object, text: str | None) -> None:
    assert cell_text(value) == text


def test_every_mode_renders_and_unknown_modes_fail() -> None:
    for mode in MODES:
        assert render(mode, ["a"], [(1,)])
    with pytest.raises(ValueError, match="unknown output mode"):
        render("semi", ["a"], [(1,)])
