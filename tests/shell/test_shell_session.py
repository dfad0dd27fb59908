"""Session start-up settings follow osqueryi's flags, with hostql's --csv separator fix."""

from __future__ import annotations

from hostql.flags import default_values, parse_args
from hostql.shell.session import Session, clip, initial_mode, initial_separator


def session_for(*argv: str) -> Session:
    values = default_values()
    parse_args(list(argv), values)
    return Session(values)


def test_mode_precedence() -> None:
    values = default_values()
    assert initial_mode(values) == "pretty"
    parse_args(["--csv"], values)
    assert initial_mode(values) == "csv"
    parse_args(["--line"], values)
    assert initial_mode(values) == "line"
    parse_args(["--list"], values)
    assert initial_mode(values) == "list"


def test_csv_uses_a_comma_unless_a_separator_was_given() -> None:
    assert initial_separator(session_for("--csv").values) == ","
    assert initial_separator(session_for("--csv", "--separator=|").values) == "|"
    assert initial_separator(session_for("--list", "--csv").values) == "|"
    assert initial_separator(session_for().values) == "|"


def test_json_flags_only_change_pretty_mode() -> None:
    assert session_for("--json").render_mode == "json"
    assert session_for("--json", "--json_pretty").render_mode == "json_pretty"
    session = session_for("--json")
    session.mode = "list"
    assert session.render_mode == "list"


def test_settings_from_flags() -> None:
    session = session_for("--noheader", "--nullvalue=" + "n" * 25, "--separator=::")
    settings = session.settings
    assert (settings.header, settings.nullvalue, settings.separator) == (False, "n" * 19, "::")


def test_clip_never_splits_a_character() -> None:
    assert clip("ab", 5) == "ab"
    assert clip("é" * 3, 5) == "éé"


def test_engine_is_created_on_first_use() -> None:
    session = session_for()
    assert session._engine is None
    assert session.engine.table_names()
    assert session._engine is not None
