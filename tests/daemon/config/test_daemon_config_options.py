"""apply_options: a config's options become flag values, as osquery's options parser does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hostql.daemon.config.model import ConfigSource
from hostql.daemon.config.options import VERBOSITY_OPTIONS, apply_options, option_text
from hostql.daemon.config.parse import parse_sources
from hostql.flags import FlagValues, default_values

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def values() -> FlagValues:
    return default_values()


@pytest.mark.parametrize(
    ("raw", "text"),
    [("x", "x"), (True, "true"), (False, "false"), (42, "42"), (-7, "-7"), (60.0, "60"),
     (1.5, "1.5"), ({"a": [1, "é"]}, '{"a":[1,"é"]}'), ([1, 2], "[1,2]"), (None, None)],
)  # fmt: skip
def test_option_text_follows_osquerys_conversions(raw: Any, text: str | None) -> None:
    assert option_text(raw) == text


def test_options_set_typed_flags_from_json_values(values: FlagValues) -> None:
    options = {
        "verbose": True,
        "disable_logging": "true",
        "schedule_splay_percent": 25,
        "logger_min_status": "1",
        "host_identifier": "uuid",
        "specified_identifier": {"id": [1, 2]},
    }
    assert apply_options(options, values) == []
    assert values["verbose"] is True
    assert values["disable_logging"] is True
    assert values["schedule_splay_percent"] == 25
    assert values["logger_min_status"] == 1
    assert values["host_identifier"] == "uuid"
    assert values["specified_identifier"] == '{"id":[1,2]}'
    assert values.sources["verbose"] == "config"


def test_options_override_command_line_values(values: FlagValues) -> None:
    values.set("pack_delimiter", "/", "command line")
    assert apply_options({"pack_delimiter": "-"}, values) == []
    assert values["pack_delimiter"] == "-"


def test_empty_string_is_skipped_silently(values: FlagValues) -> None:
    values.set("nullvalue", "NULL", "command line")
    assert apply_options({"nullvalue": ""}, values) == []
    assert values["nullvalue"] == "NULL"


def test_null_value_cannot_be_parsed(values: FlagValues) -> None:
    assert apply_options({"verbose": None}, values) == [
        "Cannot parse unknown value type for option: verbose"
    ]
    assert values["verbose"] is False


def test_unknown_flag_is_a_warning_and_the_rest_still_applies(values: FlagValues) -> None:
    warnings = apply_options({"no_such_flag": 1, "verbose": True}, values)
    assert warnings == ["Cannot set unknown or invalid flag: no_such_flag"]
    assert values["verbose"] is True


def test_custom_options_are_stored_as_text(values: FlagValues) -> None:
    warnings = apply_options({"custom_team": "infra", "custom_level": 3, "custom_x": ""}, values)
    assert warnings == []
    assert values.custom == {"custom_team": "infra", "custom_level": "3"}


def test_cli_only_flags_are_ignored_with_osquerys_warning(values: FlagValues) -> None:
    warnings = apply_options({"config_plugin": "tls", "db_path": "/tmp/x.db"}, values)
    assert warnings == [
        "The CLI only flag --config_plugin set via config file will be ignored, please use a "
        "flagfile or pass it to the process at startup",
        "The CLI only flag --db_path set via config file will be ignored, please use a "
        "flagfile or pass it to the process at startup",
    ]
    assert values["config_plugin"] == "filesystem"
    assert not values.is_set("database_path")


def test_aliases_set_their_flag(values: FlagValues) -> None:
    options = {"osquery_log_dir": "/var/log/x/", "log_numerics_as_numbers": True}
    assert apply_options(options, values) == []
    assert values["logger_path"] == "/var/log/x/"
    assert values["logger_numerics"] is True


@pytest.mark.parametrize(
    ("options", "flag"),
    [
        ({"schedule_splay_percent": "lots"}, "schedule_splay_percent"),
        ({"distributed_interval": -1}, "distributed_interval"),
        ({"verbose": "maybe"}, "verbose"),
        ({"logger_min_status": 1.5}, "logger_min_status"),
        ({"logger_min_status": [1]}, "logger_min_status"),
    ],
)
def test_malformed_values_warn_naming_the_option(
    values: FlagValues, options: dict[str, Any], flag: str
) -> None:
    before = values[flag]
    (warning,) = apply_options({**options, "nullvalue": "-"}, values)
    assert warning.startswith(f"Cannot set flag {flag} from the config options: ")
    assert f"'{flag}'" in warning
    assert values[flag] == before
    assert values["nullvalue"] == "-"


def test_verbosity_options_are_osquerys() -> None:
    assert {"verbose", "logger_min_status", "logger_min_stderr", "logger_stderr"} <= (
        VERBOSITY_OPTIONS
    )
    assert "logger_path" not in VERBOSITY_OPTIONS


def test_documented_config_options_apply(values: FlagValues) -> None:
    text = (FIXTURES / "osquery.conf").read_text()
    config = parse_sources(
        [ConfigSource("/etc/osquery/osquery.conf", text)], resolve_pack=lambda path: "{}"
    )
    warnings = apply_options(config.options, values)
    assert warnings == [
        "The CLI only flag --config_plugin set via config file will be ignored, please use a "
        "flagfile or pass it to the process at startup",
        "The CLI only flag --logger_plugin set via config file will be ignored, please use a "
        "flagfile or pass it to the process at startup",
    ]
    assert values["logger_path"] == "/var/log/osquery"
    assert values["disable_logging"] is False
    assert values["schedule_splay_percent"] == 10
    assert values["verbose"] is False
    assert values.custom == {"custom_team": "infra"}
