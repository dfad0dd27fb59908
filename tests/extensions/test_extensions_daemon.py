"""hostqld as a process hosting extensions built on osquery's Python SDK."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
from pathlib import Path

from extension_processes import (
    Daemon,
    StartExtension,
    core,
    stop_process,
    wait_until,
    write_wrapper,
)

from hostql.extensions.client import ThriftClient


def rows(client: ThriftClient, sql: str) -> list[dict[str, str]]:
    result = client.query(sql)
    assert result["status"]["code"] == 0, result["status"]
    return result["response"]  # type: ignore[no-any-return]


def table_listed(client: ThriftClient, name: str) -> bool:
    sql = f"select name from osquery_registry where registry = 'table' and name = '{name}'"
    return bool(rows(client, sql))


def test_extension_tables_in_hostqld(
    hostqld: Daemon, sock_dir: Path, start_extension: StartExtension
) -> None:
    config = {"schedule": {"ext": {"query": "select label from ext_things", "interval": 1}}}
    daemon = hostqld(config=config)
    client = core(sock_dir, daemon)
    record = sock_dir / "contexts"
    extension = start_extension(
        "ext_table.py", sock_dir / "hostql.em", HOSTQL_EXT_RECORD=str(record)
    )
    wait_until(lambda: table_listed(client, "ext_things"))
    assert rows(client, "select label from ext_things where label = 'self'") == [{"label": "self"}]
    last = json.loads(record.read_text().splitlines()[-1])
    assert last["constraints"][1] == {
        "name": "label",
        "list": [{"op": 2, "expr": "self"}],
        "affinity": "TEXT",
    }
    joined = rows(client, "select p.pid from processes p join ext_things e using (pid)")
    assert {row["pid"] for row in joined} == {"1", str(extension.pid)}
    listed = rows(client, "select name, type, version from osquery_extensions")
    assert listed[1:] == [{"name": "hostql_test_tables", "type": "extension", "version": "1.2.3"}]
    # The schedule reads the table too: its differential results reach the results log.
    results = sock_dir / "log" / "osqueryd.results.log"
    wait_until(lambda: results.exists() and '"label":"init"' in results.read_text(), 30)
    columns = client.get_query_columns("select pid, label from ext_things")["response"]
    assert columns == [{"pid": "INTEGER"}, {"label": "TEXT"}]

    stop_process(extension)
    wait_until(lambda: not table_listed(client, "ext_things"), 10)
    failed = client.query("select * from ext_things")["status"]
    assert failed["code"] == 1
    assert failed["message"] in (
        "no such table: ext_things",
        "extension hostql_test_tables is no longer running",
    )
    assert rows(client, "select name from osquery_extensions") == [{"name": "core"}]
    assert daemon.poll() is None


def test_autoloaded_extensions_start_and_stop_with_hostqld(
    hostqld: Daemon, sock_dir: Path, sdk: object
) -> None:
    wrapper = write_wrapper(sock_dir, "ext_table.py", "things")
    (sock_dir / "extensions.load").write_text(f"# comment\n{wrapper}\n{sock_dir / 'nope.txt'}\n")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stale:
        stale.bind(str(sock_dir / "hostql.em.777"))  # left by a dead extension: removed
    daemon = hostqld("--extensions_require=hostql_test_tables")
    client = core(sock_dir, daemon)
    wait_until(lambda: table_listed(client, "ext_things"))
    assert not (sock_dir / "hostql.em.777").exists()
    assert rows(client, "select count(*) as n from ext_things") == [{"n": "3"}]
    pid = int(rows(client, "select pid from ext_things where label = 'self'")[0]["pid"])
    daemon.terminate()
    _, err = daemon.communicate(timeout=30)
    assert "Will not autoload extension" in err and "nope.txt" in err
    # The extension was asked to shut down (or saw the core go) and is gone.
    wait_until(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 15)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_a_missing_required_extension_stops_hostqld(hostqld: Daemon, sock_dir: Path) -> None:
    daemon = hostqld("--extensions_require=not_here", "--extensions_timeout=1")
    _, err = daemon.communicate(timeout=60)
    assert "Required extension not found or not loaded: not_here" in err


def test_bad_input_leaves_hostqld_serving(hostqld: Daemon, sock_dir: Path) -> None:
    daemon = hostqld()
    client = core(sock_dir, daemon)
    for payload in (
        b"\x00garbage\xff" * 100,
        struct.pack(">iI", -2147418111, 100 * 1024 * 1024),
        struct.pack(">i", 100 * 1024 * 1024),
    ):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.settimeout(10)
            raw.connect(str(sock_dir / "hostql.em"))
            raw.sendall(payload)
            with contextlib.suppress(ConnectionResetError):
                assert raw.recv(100) == b""
    info = {"name": "dup", "version": "1", "sdk_version": "5.0.0"}
    assert client.register_extension(info, {})["code"] == 0
    assert client.register_extension(info, {})["message"] == "Duplicate extension registered"
    assert rows(client, "select 1 as one") == [{"one": "1"}]
    assert daemon.poll() is None
