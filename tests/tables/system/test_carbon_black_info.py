"""carbon_black_info: a Carbon Black sensor's files in a fixture tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.host.carbon_black import IniError, osquery_integer, parse_ini
from hostql.tables.system.carbon_black_info import carbon_black_info
from hostql.testing import engine_for, run_table

SETTINGS = """; Carbon Black sensor settings
[CB]
ConfigName=Default%20Group
CollectStoreFiles=1
CollectModuleLoads=1
CollectModuleInfo=0
CollectFileMods=1
CollectRegMods=0
CollectNetConns=1
CollectProcesses=1
CollectCrossProcess=0
SensorBackendServer=https%3A//cb.example:443
# no CollectEmetEvents: osquery's default is -1
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    cb = tmp_path / "var/lib/cb"
    (cb / "store/0001").mkdir(parents=True)
    (cb / "sensor.id").write_bytes(b"{0000-0000-00a3}")
    (cb / "sensorsettings.ini").write_text(SETTINGS)
    (cb / "store/0001/filedata").write_bytes(b"x" * 100)
    (cb / "store/0001/metadata").write_bytes(b"x" * 20)
    (cb / "events.1").write_bytes(b"e" * 7)
    (cb / "events").write_bytes(b"e" * 3)
    (cb / "other.log").write_bytes(b"o" * 1000)
    return tmp_path


def test_an_installed_sensor(root: Path) -> None:
    assert run_table(carbon_black_info, root=root) == [
        {
            "sensor_id": 0xA3,
            "config_name": "Default Group",
            "collect_store_files": 1,
            "collect_module_loads": 1,
            "collect_module_info": 0,
            "collect_file_mods": 1,
            "collect_reg_mods": 0,
            "collect_net_conns": 1,
            "collect_processes": 0,
            "collect_cross_processes": 0,
            "collect_emet_events": -1,
            "collect_data_file_writes": 0,
            "collect_process_user_context": 0,
            "collect_sensor_operations": 0,
            "log_file_disk_quota_mb": 0,
            "log_file_disk_quota_percentage": 0,
            "protection_disabled": 0,
            "sensor_ip_addr": "",
            "sensor_backend_server": "https://cb.example:443",
            "event_queue": 10,
            "binary_queue": 120,
        }
    ]


def test_the_cb_info_alias_and_no_sensor(root: Path, tmp_path: Path) -> None:
    engine = engine_for(carbon_black_info, root=root)
    try:
        assert engine.query("SELECT sensor_id FROM cb_info") == [{"sensor_id": 0xA3}]
    finally:
        engine.close()
    assert run_table(carbon_black_info, root=tmp_path / "elsewhere") == []


def test_malformed_files(root: Path) -> None:
    cb = root / "var/lib/cb"
    (cb / "sensor.id").write_bytes(b"too short")
    (cb / "sensorsettings.ini").write_text("[CB]\nConfigName=a\nConfigName=b\n")
    engine = engine_for(carbon_black_info, root=root)
    try:
        rows = engine.query("SELECT sensor_id, config_name, binary_queue FROM carbon_black_info")
        warnings = engine.take_warnings()
    finally:
        engine.close()
    assert rows == [{"sensor_id": None, "config_name": None, "binary_queue": 120}]
    assert warnings == ["Error parsing ini file: line 3: duplicate key name"]


def test_ini_grammar() -> None:
    assert parse_ini("top=1\n[A]\n k = v w \n#c\n;c\n[B]\nx=\n") == {
        "": {"top": "1"},
        "A": {"k": "v w"},
        "B": {"x": ""},
    }
    for bad in ("[A]\nno equals\n", "[A]\n[A]\n", "[A\n"):
        with pytest.raises(IniError):
            parse_ini(bad)


def test_integers_as_osquery_reads_them() -> None:
    assert [osquery_integer(t) for t in ("1", "-1", "0x1f", "010", "yes", "")] == [
        1,
        -1,
        31,
        8,
        None,
        None,
    ]
