"""gflags syntax, flagfiles, typed values and the one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.errors import FlagError
from hostql.flags import default_values, parse_args, registry


def test_every_form_of_flag() -> None:
    values = default_values()
    rest = parse_args(
        [
            "select 1",
            "--json",
            "--nodisable_events",
            "--db_path=/tmp/x.db",
            "-A",
            "uptime",
            "--logger_plugin",
            "filesystem,syslog",
            "-verbose=false",
            "--schedule_splay_percent=5",
        ],
        values,
    )
    assert rest == ["select 1"]
    assert values["json"] is True
    assert values["disable_events"] is False
    assert values["database_path"] == "/tmp/x.db"
    assert values["A"] == "uptime"
    assert values["logger_plugin"] == "filesystem,syslog"
    assert values["verbose"] is False
    assert values["schedule_splay_percent"] == 5


def test_sql_comment_and_double_dash_stay_positional() -> None:
    values = default_values()
    assert parse_args(["-- note\nselect 1", "--", "--json"], values) == [
        "-- note\nselect 1",
        "--json",
    ]
    assert values["json"] is False


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--no_such_flag"], "unknown command line flag 'no_such_flag'"),
        (
            ["--alarm_timeout=soon"],
            "illegal value 'soon' specified for uint64 flag 'alarm_timeout'",
        ),
        (["--verbose=perhaps"], "illegal value 'perhaps' specified for bool flag 'verbose'"),
        (["--logger_path"], "flag 'logger_path' is missing its argument"),
        (
            ["--watchdog_level=99999999999"],
            "value '99999999999' is out of range for int32 flag 'watchdog_level'",
        ),
    ],
)
def test_bad_flags_are_one_line_errors(argv: list[str], message: str) -> None:
    with pytest.raises(FlagError) as info:
        parse_args(argv, default_values())
    assert str(info.value) == message


def test_flagfile(tmp_path: Path) -> None:
    nested = tmp_path / "more.flags"
    nested.write_text("--host_identifier=uuid\n")
    flagfile = tmp_path / "hostql.flags"
    flagfile.write_text(
        "# comment\n\n--config_path=/etc/x.conf\n--disable_watchdog\n"
        f"--flagfile={nested}\n  --logger_path=/var/log/x/  \n"
    )
    values = default_values()
    parse_args(["--flagfile", str(flagfile)], values)
    assert values["config_path"] == "/etc/x.conf"
    assert values["disable_watchdog"] is True
    assert values["host_identifier"] == "uuid"
    assert values["logger_path"] == "/var/log/x/"
    assert values.sources["config_path"] == f"flagfile {flagfile}"


def test_flagfile_errors_name_file_and_line(tmp_path: Path) -> None:
    flagfile = tmp_path / "bad.flags"
    flagfile.write_text("--verbose\nnot a flag\n")
    with pytest.raises(FlagError, match=rf"^{flagfile}:2: expected --name=value"):
        parse_args([f"--flagfile={flagfile}"], default_values())
    flagfile.write_text("--nope=1\n")
    with pytest.raises(FlagError, match=rf"^{flagfile}:1: unknown flag 'nope'$"):
        parse_args([f"--flagfile={flagfile}"], default_values())
    with pytest.raises(FlagError, match="cannot read flagfile"):
        parse_args([f"--flagfile={tmp_path / 'missing'}"], default_values())


def test_flags_match_osquery(reference_flags: dict) -> None:
    from hostql.flags.declared import HOSTQL_ONLY

    ours = {flag.name: flag for flag in registry()}
    assert set(ours) == set(reference_flags) | {f.name for f in HOSTQL_ONLY}
    path_defaults = {
        "augeas_lenses",
        "config_path",
        "database_path",
        "extensions_autoload",
        "extensions_socket",
        "logger_path",
        "numeric_monitoring_filesystem_path",
        "pidfile",
        "syslog_pipe_path",
        "tls_server_certs",
    }
    for name, ref in reference_flags.items():
        flag = ours[name]
        assert flag.type.value == ref["type"], name
        assert flag.kind.value == ref["kind"], name
        if name not in path_defaults:
            assert flag.default == ref["default"], name
        assert set(flag.aliases) == set(ref.get("aliases", [])), name
