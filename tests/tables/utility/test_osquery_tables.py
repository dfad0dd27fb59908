"""The introspection tables: osquery_info, osquery_flags, osquery_registry, osquery_extensions."""

from __future__ import annotations

import os
from pathlib import Path

from hostql.flags import default_values
from hostql.sql.engine import Engine
from hostql.tables.utility.osquery_info import osquery_info
from hostql.testing import run_table


def test_osquery_info_describes_this_process() -> None:
    row = Engine().query("select * from osquery_info")[0]
    assert row["pid"] == os.getpid()
    assert row["build_platform"] == "linux"
    assert row["platform_mask"] == 9
    assert row["watcher"] == -1
    assert row["config_valid"] == 0
    assert row["extensions"] == "inactive"


def test_osquery_info_uuid_placeholder_falls_back_to_machine_id(tmp_path: Path) -> None:
    (tmp_path / "sys/class/dmi/id").mkdir(parents=True)
    (tmp_path / "sys/class/dmi/id/product_uuid").write_text(
        "03000200-0400-0500-0006-000700080009\n"
    )
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    (tmp_path / "etc/os-release").write_text('ID=debian\nVERSION_ID="12"\n')
    row = run_table(osquery_info, root=tmp_path, columns="uuid, build_distro")[0]
    assert row == {"uuid": "01234567-89AB-CDEF-0123-456789ABCDEF", "build_distro": "debian12"}


def test_osquery_flags_shows_current_values() -> None:
    values = default_values()
    values.set("logger_path", "/tmp/logs/")
    engine = Engine(flags=values)
    rows = engine.query("select * from osquery_flags where name in ('logger_path', 'verbose')")
    assert rows == [
        {
            "name": "logger_path",
            "type": "string",
            "description": "Directory path for ERROR/WARN/INFO and results logging",
            "default_value": "/var/log/hostql/",
            "value": "/tmp/logs/",
            "shell_only": 0,
        },
        {
            "name": "verbose",
            "type": "bool",
            "description": "Enable verbose informational messages",
            "default_value": "false",
            "value": "false",
            "shell_only": 0,
        },
    ]
    names = [r["name"] for r in engine.query("select name from osquery_flags")]
    assert "A" not in names and "json" in names


def test_osquery_registry_lists_tables_with_active_flag() -> None:
    values = default_values()
    values.set("disable_tables", "uptime")
    rows = Engine(flags=values).query(
        "select name, active from osquery_registry where registry = 'table' "
        "and name in ('uptime', 'osquery_info')"
    )
    assert rows == [{"name": "osquery_info", "active": 1}, {"name": "uptime", "active": 0}]


def test_osquery_extensions_has_the_core() -> None:
    rows = Engine().query("select uuid, name, type from osquery_extensions")
    assert rows == [{"uuid": 0, "name": "core", "type": "core"}]


def test_osquery_schedule_reads_the_runtime_and_hides_timeouts() -> None:
    engine = Engine()
    assert engine.query("select * from osquery_schedule") == []
    engine.runtime.schedule.append(
        {
            "name": "uptime",
            "query": "select * from uptime",
            "interval": 60,
            "executions": 2,
            "timeouts": 1,
        }
    )
    row = engine.query("select * from osquery_schedule")[0]
    assert "timeouts" not in row
    assert row["executions"] == 2 and row["denylisted"] == 0 and row["wall_time_ms"] == 0
    assert engine.query("select timeouts, blacklisted from osquery_schedule") == [
        {"timeouts": 1, "blacklisted": 0}
    ]


def test_osquery_packs_reads_the_runtime() -> None:
    engine = Engine()
    engine.runtime.packs.append(
        {
            "name": "monitoring",
            "platform": "linux",
            "version": "",
            "shard": 0,
            "discovery_cache_hits": 0,
            "discovery_executions": 1,
            "active": 1,
        }
    )
    assert engine.query("select name, active from osquery_packs") == [
        {"name": "monitoring", "active": 1}
    ]
