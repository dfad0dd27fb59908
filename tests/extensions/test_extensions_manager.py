"""The manager in this process, with extensions built on osquery's Python SDK as processes."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from extension_processes import StartExtension, stop_process, wait_until

from hostql.daemon.config.model import ConfigSource
from hostql.daemon.config.parse import parse_sources
from hostql.daemon.records import StatusEntry
from hostql.errors import ConfigError, SqlError
from hostql.extensions.bindings import RefreshingEngine
from hostql.extensions.client import ThriftClient
from hostql.extensions.config import ExtensionConfig
from hostql.extensions.loggers import ExtensionLogger
from hostql.extensions.manager import ExtensionManager
from hostql.sql.engine import Engine


def registered(manager: ExtensionManager, name: str) -> None:
    wait_until(lambda: manager.named(name) is not None)


def contexts(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_socket_is_private(manager: ExtensionManager) -> None:
    assert os.stat(manager.socket_path).st_mode & 0o777 == 0o600


def test_a_table_extension_is_used_like_a_builtin(
    manager: ExtensionManager,
    db: RefreshingEngine,
    start_extension: StartExtension,
    sock_dir: Path,
) -> None:
    record = sock_dir / "contexts"
    process = start_extension("ext_table.py", manager.socket_path, HOSTQL_EXT_RECORD=str(record))
    registered(manager, "hostql_test_tables")
    assert "ext_things" in db.table_names()
    assert db.query("select label from ext_things where pid = 1") == [{"label": "init"}]
    # The constraint reached the extension in osquery's context JSON.
    pid_constraint = contexts(record)[-1]["constraints"][0]  # type: ignore[index]
    assert pid_constraint == {
        "name": "pid",
        "list": [{"op": 2, "expr": "1"}],
        "affinity": "INTEGER",
    }
    joined = db.query(
        "select p.pid, e.label from ext_things e join processes p using (pid) order by p.pid"
    )
    assert joined == [{"pid": 1, "label": "init"}, {"pid": process.pid, "label": "self"}]
    rows = db.query("select uuid, name, version, type, path from osquery_extensions")
    extension = manager.named("hostql_test_tables")
    assert extension is not None
    assert rows[1] == {
        "uuid": extension.uuid,
        "name": "hostql_test_tables",
        "version": "1.2.3",
        "type": "extension",
        "path": f"{manager.socket_path}.{extension.uuid}",
    }


def test_a_dead_extension_is_deregistered_and_its_table_vanishes(
    manager: ExtensionManager, db: RefreshingEngine, start_extension: StartExtension
) -> None:
    process = start_extension("ext_table.py", manager.socket_path)
    registered(manager, "hostql_test_tables")
    assert len(db.query("select * from ext_things")) == 3
    stop_process(process)
    started = time.monotonic()
    with pytest.raises(SqlError, match=r"^extension hostql_test_tables is no longer running$"):
        db.engine.execute("select * from ext_things")
    assert time.monotonic() - started < 5
    wait_until(lambda: "ext_things" not in db.table_names(), 5)
    with pytest.raises(SqlError, match="no such table: ext_things"):
        db.execute("select * from ext_things")
    assert [row["name"] for row in db.query("select name from osquery_extensions")] == ["core"]


def test_the_watcher_notices_a_dead_extension_nobody_queries(
    manager: ExtensionManager, db: RefreshingEngine, start_extension: StartExtension
) -> None:
    process = start_extension("ext_table.py", manager.socket_path)
    registered(manager, "hostql_test_tables")
    stop_process(process)
    # --extensions_interval=1: the next ping finds it gone.
    wait_until(lambda: manager.named("hostql_test_tables") is None, 5)
    assert "ext_things" not in db.table_names()


def test_query_and_get_query_columns_are_served(
    manager: ExtensionManager, start_extension: StartExtension
) -> None:
    start_extension("ext_table.py", manager.socket_path)
    registered(manager, "hostql_test_tables")
    with ThriftClient(manager.socket_path) as client:
        assert client.ping() == {"code": 0, "message": "pong", "uuid": 0}
        result = client.query("select pid, label from ext_things where label = 'init'")
        assert result == {
            "status": {"code": 0, "message": "OK", "uuid": 0},
            "response": [{"pid": "1", "label": "init"}],
        }
        columns = client.get_query_columns("select pid, label, pid + 1 as next from ext_things")
        assert columns["response"] == [{"pid": "INTEGER"}, {"label": "TEXT"}, {"next": "UNKNOWN"}]
        failed = client.query("select * from no_such_table")
        assert failed["status"]["code"] == 1
        assert failed["status"]["message"] == "no such table: no_such_table"
        assert [info["name"] for info in client.extensions().values()] == ["hostql_test_tables"]
        # Extension.call on the core reaches its tables, extensions' ones included.
        generated = client.call("table", "ext_things", {"action": "generate"})
        assert len(generated["response"]) == 3
        described = client.call("table", "uptime", {"action": "columns"})["response"]
        assert described[0] == {"id": "column", "name": "days", "type": "INTEGER", "op": "0"}
        assert client.call("config", "x", {})["status"]["code"] == 1
        options = client.options()
        assert options["extensions_interval"] == {
            "value": "1",
            "default_value": "3",
            "type": "string",
        }


def test_duplicate_names_and_old_sdks_are_refused(
    manager: ExtensionManager, start_extension: StartExtension
) -> None:
    start_extension("ext_table.py", manager.socket_path)
    registered(manager, "hostql_test_tables")
    second = start_extension("ext_table.py", manager.socket_path, HOSTQL_EXT_TABLE="ext_other")
    assert second.wait(timeout=20) != 0  # the SDK raises on the refusal
    with ThriftClient(manager.socket_path) as client:
        info = {"name": "hostql_test_tables", "version": "1", "sdk_version": "5.0.0"}
        assert client.register_extension(info, {})["message"] == "Duplicate extension registered"
        old = {"name": "old", "version": "1", "sdk_version": "1.7.6"}
        assert client.register_extension(old, {})["message"] == "Incompatible extension SDK version"
        clash = {"name": "clash", "version": "1", "sdk_version": "5.0.0"}
        routes = {"table": {"processes": [{"id": "column", "name": "pid", "type": "INTEGER"}]}}
        assert client.register_extension(clash, routes)["message"] == (
            "Failed adding registry broadcast"
        )
        assert client.deregister_extension(4242)["message"] == "No extension UUID registered"


def test_deregistration_removes_the_table(manager: ExtensionManager, db: RefreshingEngine) -> None:
    with ThriftClient(manager.socket_path) as client:
        info = {"name": "manual", "version": "1", "sdk_version": "5.0.0"}
        routes = {"table": {"manual_t": [{"id": "column", "name": "x", "type": "TEXT"}]}}
        status = client.register_extension(info, routes)
        assert status["code"] == 0 and 0 < status["uuid"] < 65536
        assert "manual_t" in db.table_names()
        assert client.deregister_extension(status["uuid"])["code"] == 0
    assert "manual_t" not in db.table_names()


def test_a_logger_extension_receives_results_and_status(
    manager: ExtensionManager, start_extension: StartExtension, sock_dir: Path
) -> None:
    record = sock_dir / "logged"
    logger = ExtensionLogger("hostql_test_logger")
    logger.attach(manager)
    # Lines logged before the extension registers wait for it.
    logger.log_results(['{"name":"early"}'])
    start_extension("ext_logger.py", manager.socket_path, HOSTQL_EXT_RECORD=str(record))
    registered(manager, "hostql_test_logger_ext")
    logger.log_snapshots(['{"name":"snap"}'])
    entry = StatusEntry(1, "runtime.py", 12, "a warning", 1_700_000_000, "host", "0.1.0")
    logger.log_status([entry])
    requests = contexts(record)
    assert requests[0] == {"action": "features"}
    assert requests[1] == {"init": "hostqld", "log": "[]"}
    assert requests[2:4] == [{"string": '{"name":"early"}'}, {"snapshot": '{"name":"snap"}'}]
    assert requests[4]["status"] == "true"
    assert json.loads(str(requests[4]["log"])) == [
        {
            "s": 1,
            "f": "runtime.py",
            "i": 12,
            "m": "a warning",
            "h": "host",
            "c": entry.calendar_time,
            "u": 1_700_000_000,
        }
    ]
    assert logger.errors == 0


def test_a_config_extension_supplies_the_config(
    manager: ExtensionManager, start_extension: StartExtension
) -> None:
    source = ExtensionConfig(manager, "hostql_test_config")
    assert not source.available(0.1)
    with pytest.raises(ConfigError, match="not registered by any extension"):
        source.generate()
    start_extension("ext_config.py", manager.socket_path, HOSTQL_EXT_QUERY="select 7 as seven")
    assert source.available(20)
    sources = source.generate()
    assert [name for name, _ in sources] == ["hostql_extension"]
    config = parse_sources([ConfigSource(name, text) for name, text in sources])
    queries = {query.name: query.query for pack in config.packs for query in pack.queries}
    assert queries == {"ext_config_probe": "select 7 as seven"}
    assert config.options["custom_from_extension"] == "yes"


def test_a_second_engine_follows_registrations(
    manager: ExtensionManager, start_extension: StartExtension
) -> None:
    other = Engine(flags=manager.values)
    binding = manager.bind(other)
    view = RefreshingEngine(other, lambda: manager.apply(binding))
    start_extension("ext_table.py", manager.socket_path)
    registered(manager, "hostql_test_tables")
    assert view.query("select count(*) as n from ext_things") == [{"n": 3}]
    other.close()
