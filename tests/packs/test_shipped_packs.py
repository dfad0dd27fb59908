"""The shipped packs, default config, systemd unit and example flagfile."""

from __future__ import annotations

import configparser
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

import hostql
from hostql.daemon.config.packs import expand_schedule
from hostql.daemon.config.sources import load_filesystem_config
from hostql.flags import FlagValues, default_values, registry
from hostql.flags.parse import read_flagfile
from hostql.packs import DEFAULT_CONFIG, PACKS, default_config_path, pack_path
from hostql.sql.engine import Engine
from hostql.sql.functions import compare_versions

PACKS_DIR = default_config_path().parent
DOCS = Path(__file__).resolve().parents[2] / "docs"
MAX_INTERVAL = 604_800
QUERY_KEYS = {"query", "interval", "description", "snapshot", "removed", "platform", "version"}
PACK_KEYS = {"platform", "version", "discovery", "queries"}
# osquery drops names that would collide with its backing-store keys.
RESERVED_PREFIXES = ("query.", "cache.", "config_views.")
RESERVED_SUFFIXES = ("epoch", "counter")
QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PACK_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def load_config_json(path: Path) -> dict[str, Any]:
    """A config or pack file as osquery reads it: lines starting with # or // are dropped."""
    lines = [
        line for line in path.read_text().splitlines() if not line.lstrip().startswith(("#", "//"))
    ]
    document = json.loads("\n".join(lines))
    assert isinstance(document, dict)
    return document


def all_queries() -> list[Any]:
    """(pack, query name, query object) of every shipped query, as pytest params."""
    return [
        pytest.param(pack, name, query, id=f"{pack}/{name}")
        for pack in PACKS
        for name, query in load_config_json(pack_path(pack))["queries"].items()
    ]


def read_unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((PACKS_DIR / "hostqld.service").read_text())
    return parser


def read_example_flags() -> FlagValues:
    values = default_values()
    read_flagfile(PACKS_DIR / "hostql.flags.example", values)
    return values


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = Engine()
    yield engine
    engine.close()


def test_packs_lists_every_shipped_pack_file() -> None:
    shipped = {p.stem for p in PACKS_DIR.glob("*.conf")} - {DEFAULT_CONFIG}
    assert shipped == set(PACKS)
    assert pack_path("monitoring") == pack_path("monitoring.conf") == PACKS_DIR / "monitoring.conf"
    assert pack_path("default") == default_config_path() == PACKS_DIR / "default.conf"


def test_pack_path_rejects_unknown_names() -> None:
    with pytest.raises(KeyError, match="no shipped pack"):
        pack_path("osx-attacks")


@pytest.mark.parametrize("pack", PACKS)
def test_pack_is_a_valid_linux_pack(pack: str) -> None:
    document = load_config_json(pack_path(pack))
    assert set(document) <= PACK_KEYS
    assert PACK_NAME.match(pack)
    assert not pack.startswith(RESERVED_PREFIXES) and not pack.endswith(RESERVED_SUFFIXES)
    assert document["platform"] == "linux"
    # A pack asking for a newer version than the running agent is skipped silently.
    assert compare_versions(hostql.__version__, document["version"]) >= 0
    assert all(isinstance(sql, str) and sql for sql in document["discovery"])
    assert isinstance(document["queries"], dict) and document["queries"]


@pytest.mark.parametrize(("pack", "name", "query"), all_queries())
def test_query_is_well_formed(pack: str, name: str, query: dict[str, Any]) -> None:
    assert QUERY_NAME.match(name), name
    assert not name.startswith(RESERVED_PREFIXES) and not name.endswith(RESERVED_SUFFIXES)
    assert set(query) <= QUERY_KEYS
    assert isinstance(query["description"], str) and len(query["description"]) > 20
    assert isinstance(query["interval"], int) and 1 <= query["interval"] <= MAX_INTERVAL
    assert isinstance(query.get("snapshot", False), bool)
    assert isinstance(query.get("removed", True), bool)
    # "removed" only applies to differential results.
    assert not (query.get("snapshot") and "removed" in query)


def test_monitoring_intervals_stay_between_a_minute_and_an_hour() -> None:
    for query in load_config_json(pack_path("monitoring"))["queries"].values():
        assert 60 <= query["interval"] <= 3600


@pytest.mark.parametrize(("pack", "name", "query"), all_queries())
def test_query_runs_on_this_machine(
    engine: Engine, pack: str, name: str, query: dict[str, Any]
) -> None:
    result = engine.execute(query["query"])
    assert result.columns
    engine.take_warnings()


@pytest.mark.parametrize("pack", PACKS)
def test_discovery_queries_run(engine: Engine, pack: str) -> None:
    for sql in load_config_json(pack_path(pack))["discovery"]:
        engine.execute(sql)


def test_default_config_references_packs_beside_it() -> None:
    document = load_config_json(default_config_path())
    assert set(document["packs"]) == {"monitoring", "host-baseline"}
    for name, resource in document["packs"].items():
        assert not PurePosixPath(resource).is_absolute()
        assert (PACKS_DIR / resource).resolve() == pack_path(name)


def test_default_config_options_are_declared_flags() -> None:
    options = load_config_json(default_config_path())["options"]
    assert options
    assert all(name in registry() for name in options)


def test_default_config_decorators_run(engine: Engine) -> None:
    decorators = load_config_json(default_config_path())["decorators"]
    assert set(decorators) == {"load"}
    for sql in decorators["load"]:
        assert len(engine.execute(sql).rows) == 1


def test_default_config_loads_through_the_config_parser() -> None:
    config = load_filesystem_config(str(default_config_path()), base_dir=str(PACKS_DIR))
    assert not config.warnings
    schedule = expand_schedule(
        config, hostname="web01", sdk_version=hostql.__version__, run_discovery=lambda sql: True
    )
    names = {query.name for query in schedule}
    assert "pack_monitoring_daemon_heartbeat" in names
    assert "pack_host-baseline_user_accounts" in names
    expected = sum(
        len(load_config_json(pack_path(p))["queries"])
        for p in load_config_json(default_config_path())["packs"]
    )
    assert len(schedule) == expected


def test_unit_runs_the_daemon_from_the_flagfile() -> None:
    unit = read_unit()
    service = unit["Service"]
    assert service["Type"] == "simple"
    assert service["ExecStart"] == "/usr/bin/env hostqld --flagfile=/etc/hostql/hostql.flags"
    assert service["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_unit_limits_resources() -> None:
    service = read_unit()["Service"]
    assert service["IOSchedulingClass"] == "idle"
    assert int(service["Nice"]) > 0
    assert service["CPUQuota"].endswith("%")
    assert service["MemoryMax"].endswith("M")


def test_unit_hardening_keeps_what_the_tables_read() -> None:
    service = read_unit()["Service"]
    assert service["ProtectSystem"] == "strict"
    # Homes, /tmp and /dev are read by tables and packs.
    assert service["ProtectHome"] == "no"
    assert service["PrivateTmp"] == "no"
    assert service["PrivateDevices"] == "no"
    for key in (
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "ProtectHostname",
        "ProtectClock",
        "PrivateNetwork",
    ):
        assert key not in service


def test_unit_comments_each_hardening_line() -> None:
    lines = (PACKS_DIR / "hostqld.service").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# Hardening."))
    block = lines[start : lines.index("[Install]")]
    for previous, line in itertools.pairwise(block):
        if line and not line.startswith("#"):
            assert previous.startswith("#"), f"no comment explains {line}"


def test_unit_makes_every_path_the_flagfile_writes_writable() -> None:
    service = read_unit()["Service"]
    writable = [
        PurePosixPath(base, service[key])
        for base, key in (
            ("/var/lib", "StateDirectory"),
            ("/var/log", "LogsDirectory"),
            ("/run", "RuntimeDirectory"),
        )
    ]
    values = read_example_flags()
    for flag in ("database_path", "logger_path", "pidfile", "extensions_socket"):
        path = PurePosixPath(values.get(flag))
        assert any(path == d or d in path.parents for d in writable), (flag, path)


def test_example_flagfile_sets_only_declared_flags() -> None:
    text = (PACKS_DIR / "hostql.flags.example").read_text()
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, _ = line.removeprefix("--").partition("=")
            assert line.startswith("--") and sep and name in registry(), line
    values = read_example_flags()
    assert values.get("config_path") == "/etc/hostql/hostql.conf"
    assert values.get("logger_plugin") == "filesystem"


def test_packs_doc_names_every_pack_and_query() -> None:
    text = (DOCS / "packs.md").read_text()
    for pack in PACKS:
        assert f"## {pack}\n" in text
        for name in load_config_json(pack_path(pack))["queries"]:
            assert f"| `{name}` |" in text, (pack, name)


def test_daemon_doc_names_the_shipped_files() -> None:
    text = (DOCS / "daemon.md").read_text()
    for name in ("hostqld.service", "hostql.flags.example", "default.conf"):
        assert name in text
    for log in ("osqueryd.results.log", "osqueryd.snapshots.log", "osqueryd.INFO"):
        assert log in text
