"""systemd_units against a private dbus-daemon serving a fake systemd Manager.

Run as a script (``python test_systemd_units.py ADDRESS``) this module is that fake service.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostql.host.dbus import METHOD_CALL, Connection, Variant
from hostql.tables.system.systemd_units import systemd_units
from hostql.testing import run_table

UNIT = "org.freedesktop.systemd1.Unit"
SERVICE = "org.freedesktop.systemd1.Service"
SSH = "/org/freedesktop/systemd1/unit/ssh_2eservice"
TMP = "/org/freedesktop/systemd1/unit/tmp_2emount"
CRON = "/org/freedesktop/systemd1/unit/cron_2eservice"
UNITS = [
    (
        "ssh.service",
        "OpenBSD Secure Shell server",
        "loaded",
        "active",
        "running",
        "",
        SSH,
        0,
        "",
        "/",
    ),
    ("tmp.mount", "Temporary Directory /tmp", "loaded", "active", "mounted", "", TMP, 0, "", "/"),
    (
        "cron.service",
        "Regular background program processing daemon",
        "loaded",
        "activating",
        "start",
        "",
        CRON,
        42,
        "start",
        "/org/freedesktop/systemd1/job/42",
    ),
]
PROPERTIES = {
    (SSH, UNIT, "FragmentPath"): "/lib/systemd/system/ssh.service",
    (SSH, UNIT, "SourcePath"): "",
    (SSH, UNIT, "UnitFileState"): "enabled",
    (SSH, SERVICE, "User"): "",
    (TMP, UNIT, "FragmentPath"): "/usr/share/systemd/tmp.mount",
    (TMP, UNIT, "SourcePath"): "",
    (TMP, UNIT, "UnitFileState"): "static",
    (CRON, UNIT, "FragmentPath"): "/lib/systemd/system/cron.service",
    (CRON, UNIT, "SourcePath"): "/etc/init.d/cron",
    (CRON, UNIT, "UnitFileState"): "enabled",
    (CRON, SERVICE, "User"): "daemon",
}


def serve(address: str) -> None:
    """The fake systemd: owns org.freedesktop.systemd1 and answers ListUnits and Get."""
    with Connection(address, timeout=120) as bus:
        bus.call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "RequestName",
            "su",
            ("org.freedesktop.systemd1", 4),
        )
        print("ready", flush=True)
        while True:
            try:
                message = bus.receive()
            except (OSError, ConnectionError):
                return
            if message.type != METHOD_CALL:
                continue
            if message.member == "ListUnits":
                bus.reply(message, "a(ssssssouso)", (UNITS,))
            elif message.member == "Get" and message.interface == "org.freedesktop.DBus.Properties":
                interface, name = message.body
                value = PROPERTIES.get((message.path, interface, name))
                if value is None:
                    bus.error(message, "org.freedesktop.DBus.Error.UnknownInterface", interface)
                else:
                    bus.reply(message, "v", (Variant("s", value),))
            else:
                bus.error(message, "org.freedesktop.DBus.Error.UnknownMethod", message.member)


def _start(argv: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line, f"{argv[0]} did not start"
    return process, line


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[str]:
    """A private session dbus-daemon; yields its address."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon (Debian package dbus-daemon) is not installed")
    process, address = _start(
        [
            daemon,
            "--session",
            f"--address=unix:path={tmp_path}/bus",
            "--nofork",
            "--print-address",
        ]
    )
    try:
        yield address
    finally:
        _stop(process)


@pytest.fixture
def systemd(bus: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The fake systemd on the private bus, which the table reaches as its system bus."""
    service, ready = _start([sys.executable, __file__, bus], env=dict(os.environ))
    assert ready == "ready"
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus)
    try:
        yield bus
    finally:
        _stop(service)


def test_units_and_their_properties(systemd: str) -> None:
    rows = run_table(systemd_units)
    assert rows == [
        {
            "id": "ssh.service",
            "description": "OpenBSD Secure Shell server",
            "load_state": "loaded",
            "active_state": "active",
            "sub_state": "running",
            "unit_file_state": "enabled",
            "following": "",
            "object_path": SSH,
            "job_id": 0,
            "job_type": "",
            "job_path": "/",
            "fragment_path": "/lib/systemd/system/ssh.service",
            "user": "",
            "source_path": "",
        },
        {
            "id": "tmp.mount",
            "description": "Temporary Directory /tmp",
            "load_state": "loaded",
            "active_state": "active",
            "sub_state": "mounted",
            "unit_file_state": "static",
            "following": "",
            "object_path": TMP,
            "job_id": 0,
            "job_type": "",
            "job_path": "/",
            "fragment_path": "/usr/share/systemd/tmp.mount",
            "user": "",
            "source_path": "",
        },
        {
            "id": "cron.service",
            "description": "Regular background program processing daemon",
            "load_state": "loaded",
            "active_state": "activating",
            "sub_state": "start",
            "unit_file_state": "enabled",
            "following": "",
            "object_path": CRON,
            "job_id": 42,
            "job_type": "start",
            "job_path": "/org/freedesktop/systemd1/job/42",
            "fragment_path": "/lib/systemd/system/cron.service",
            "user": "daemon",
            "source_path": "/etc/init.d/cron",
        },
    ]


def test_where_clause_filters(systemd: str) -> None:
    rows = run_table(systemd_units, "user = ?", "daemon", columns="id, fragment_path")
    assert rows == [{"id": "cron.service", "fragment_path": "/lib/systemd/system/cron.service"}]


def test_no_systemd_on_the_bus_gives_a_warning_and_no_rows(
    bus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hostql.testing import engine_for

    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus)
    engine = engine_for(systemd_units)
    try:
        assert engine.query("SELECT * FROM systemd_units") == []
        assert any("systemd unit list" in w for w in engine.take_warnings())
    finally:
        engine.close()


def test_no_bus_means_no_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/missing")
    assert run_table(systemd_units) == []
    monkeypatch.delenv("DBUS_SYSTEM_BUS_ADDRESS")
    assert run_table(systemd_units, root=tmp_path) == []


def test_a_peer_that_is_not_a_bus_gives_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bogus"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    try:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={path}")
        # The peer accepts (in the backlog) but never answers the SASL exchange: the
        # connection times out rather than hanging the query.
        monkeypatch.setattr("hostql.host.dbus.DEFAULT_TIMEOUT", 0.2)
        assert run_table(systemd_units) == []
    finally:
        server.close()


@pytest.mark.live
def test_live_units_match_systemctl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SYSTEM_BUS_ADDRESS", raising=False)
    systemctl = shutil.which("systemctl")
    if systemctl is None or not os.path.exists("/var/run/dbus/system_bus_socket"):
        assert run_table(systemd_units) == []
        pytest.skip("no system bus on this machine: the table is empty, as checked")
    listed = subprocess.run(
        [systemctl, "list-units", "--all", "--plain", "--no-legend", "--no-pager"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = {line.split()[0] for line in listed.splitlines() if line.strip()}
    rows = run_table(systemd_units, columns="id")
    assert {r["id"] for r in rows} == expected


if __name__ == "__main__":
    serve(sys.argv[1])
