"""The daemon with plugins: config and logger plugins, isolation, osquery_registry's rows."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hostql.daemon.loggers import UnknownLoggerError
from hostql.daemon.runtime import Daemon
from hostql.daemon.status import StatusLog
from hostql.errors import ConfigError
from hostql.flags import FlagValues, default_values

PLUGIN = """
import json
from hostql.daemon.loggers.base import Logger

LINES = []

class ListLogger(Logger):
    def log_results(self, lines):
        LINES.extend(lines)

def explode(values):
    raise OSError("cannot open the pigeon loft")

def read_config(values):
    schedule = {"up": {"query": "select 1 as one", "interval": 1}}
    return {"plug": json.dumps({"schedule": schedule})}

def bad_config(values):
    raise ValueError("server said no")

def hostql_loggers():
    return {
        "plug_list": lambda values: ListLogger(),
        "plug_explodes": explode,
        "plug_not_a_logger": lambda values: object(),
    }

def hostql_config_plugins():
    return {"plug_conf": read_config, "plug_bad_conf": bad_config}
"""


@pytest.fixture
def values(make_plugin: Callable[..., Path], tmp_path: Path) -> FlagValues:
    make_plugin("plug_daemon", PLUGIN)
    values = default_values()
    for name, value in {
        "config_plugin": "plug_conf",
        "database_path": str(tmp_path / "db"),
        "logger_path": str(tmp_path / "log"),
        "disable_watchdog": True,
    }.items():
        values.set(name, value)
    return values


def start(values: FlagValues, loggers: str) -> tuple[Daemon, io.StringIO]:
    stream = io.StringIO()
    values.set("logger_plugin", loggers)
    daemon = Daemon(values, StatusLog(stream=stream))
    return daemon, stream


def test_config_and_logger_plugins_run_the_schedule(values: FlagValues) -> None:
    import plug_daemon

    daemon, _ = start(values, "filesystem,plug_list")
    daemon.load_config(first=True)
    [query] = daemon.schedule
    daemon.runner.run(query, now=1000)
    daemon.delivery.wait()
    [line] = plug_daemon.LINES
    record = json.loads(line)
    assert (record["name"], record["action"], record["columns"]) == ("up", "added", {"one": "1"})
    daemon.shutdown()


def test_broken_loggers_are_errors_and_the_rest_keeps_working(values: FlagValues) -> None:
    daemon, stream = start(values, "plug_explodes,plug_not_a_logger,filesystem")
    assert [logger.name for logger in daemon.delivery.loggers] == ["filesystem"]
    text = stream.getvalue()
    assert (
        "Plugin plug_daemon [plug_daemon-dist 0.1]: cannot activate logger plugin plug_explodes: "
        "OSError: cannot open the pigeon loft"
    ) in text
    assert "Cannot activate plug_not_a_logger logger plugin: it built a object" in text
    daemon.shutdown()


def test_an_unknown_logger_still_stops_the_daemon(values: FlagValues) -> None:
    with pytest.raises(UnknownLoggerError, match="carrier_pigeon"):
        start(values, "carrier_pigeon")


def test_a_failing_config_plugin_is_a_config_error(values: FlagValues) -> None:
    values.set("config_plugin", "plug_bad_conf")
    daemon, _ = start(values, "filesystem")
    with pytest.raises(ConfigError) as caught:
        daemon.load_config(first=True)
    assert str(caught.value) == (
        "Config plugin plug_bad_conf (plugin plug_daemon [plug_daemon-dist 0.1]) failed: "
        "ValueError: server said no"
    )
    values.set("config_plugin", "nobody_has_this")
    with pytest.raises(ConfigError, match="Config plugin nobody_has_this is not available"):
        daemon.load_config(first=True)
    daemon.shutdown()


def test_osquery_registry_lists_plugin_items_with_their_origin(values: FlagValues) -> None:
    daemon, _ = start(values, "filesystem,plug_list")
    rows = daemon.engine.query(
        "select r.registry, r.name, r.active, e.name as plugin from osquery_registry r "
        "join osquery_extensions e on e.uuid = r.owner_uuid "
        "where r.origin = 'entry_point' and r.registry in ('config', 'logger') "
        "order by r.registry, r.name"
    )
    assert rows == [
        {"registry": "config", "name": "plug_bad_conf", "active": 0, "plugin": "plug_daemon"},
        {"registry": "config", "name": "plug_conf", "active": 1, "plugin": "plug_daemon"},
        {"registry": "logger", "name": "plug_explodes", "active": 0, "plugin": "plug_daemon"},
        {"registry": "logger", "name": "plug_list", "active": 1, "plugin": "plug_daemon"},
        {"registry": "logger", "name": "plug_not_a_logger", "active": 0, "plugin": "plug_daemon"},
    ]
    core = daemon.engine.query(
        "select active, origin, owner_uuid from osquery_registry "
        "where registry = 'logger' and name = 'filesystem'"
    )
    assert core == [{"active": 1, "origin": "core", "owner_uuid": 0}]
    daemon.shutdown()


def test_disable_extensions_leaves_plugins_out(values: FlagValues) -> None:
    values.set("disable_extensions", True)
    with pytest.raises(UnknownLoggerError, match="plug_list"):
        start(values, "plug_list")
