"""startup: desktop entries, and the D-Bus client against a real dbus-daemon with a fake
systemd that answers ListUnits and Get."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostql.host import Host
from hostql.host.startup import (
    ERROR,
    METHOD_CALL,
    METHOD_RETURN,
    Bus,
    BusError,
    decode_message,
    encode_message,
    list_units,
)

UNITS = [
    ("cron.service", "Regular background program processing daemon", "loaded", "active",
     "running", "", "/org/freedesktop/systemd1/unit/cron_2eservice", 0, "", "/"),
    ("tmp.mount", "Temporary Directory", "loaded", "inactive", "dead", "",
     "/org/freedesktop/systemd1/unit/tmp_2emount", 0, "", "/"),
]  # fmt: skip
PROPERTIES = {
    ("/org/freedesktop/systemd1/unit/cron_2eservice", "FragmentPath"):
        "/lib/systemd/system/cron.service",
    ("/org/freedesktop/systemd1/unit/cron_2eservice", "SourcePath"): "",
    ("/org/freedesktop/systemd1/unit/cron_2eservice", "User"): "root",
    ("/org/freedesktop/systemd1/unit/tmp_2emount", "FragmentPath"): "",
    ("/org/freedesktop/systemd1/unit/tmp_2emount", "SourcePath"): "/etc/fstab",
}  # fmt: skip


def test_message_round_trip() -> None:
    raw = encode_message(
        METHOD_CALL,
        7,
        {1: "/a/b", 3: "Do", 6: "x.y"},
        "sa(su)v",
        ("hi", [("one", 1), ("two", 2)], ("as", ["p", "q"])),
    )
    (kind, serial, fields, body), used = decode_message(raw + b"extra")  # type: ignore[misc]
    assert (kind, serial, used) == (METHOD_CALL, 7, len(raw))
    assert fields[1] == "/a/b" and fields[3] == "Do" and fields[8] == "sa(su)v"
    assert body == ["hi", [("one", 1), ("two", 2)], ("as", ["p", "q"])]
    assert decode_message(raw[:-1]) is None


def test_autostart_items_and_scripts(tmp_path: Path) -> None:
    autostart = tmp_path / "home" / "sam" / ".config" / "autostart"
    autostart.mkdir(parents=True)
    (autostart / "app.desktop").write_text(
        "[Desktop Entry]\nName=App\nName[de]=Anwendung\nExec=/usr/bin/app --min\n"
        "Exec=a=b\n[Desktop Action New]\nName=New Window\n"
    )
    reader = Host(tmp_path).startup
    assert list(reader.autostart_items("/home/sam/.config/autostart/")) == [
        {"name": "New Window", "path": "/usr/bin/app --min", "type": "Startup Item",
         "status": "enabled", "source": "/home/sam/.config/autostart/", "username": "sam"},
    ]  # fmt: skip


@pytest.fixture
def private_bus(tmp_path: Path) -> Iterator[str]:
    if not shutil.which("dbus-daemon"):
        pytest.skip("dbus-daemon missing")
    path = tmp_path / "bus"
    config = tmp_path / "bus.conf"
    config.write_text(
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN" '
        '"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
        f"<busconfig><type>session</type><listen>unix:path={path}</listen>"
        "<auth>EXTERNAL</auth><policy context='default'><allow send_destination='*'/>"
        "<allow receive_sender='*'/>"
        "<allow own='*'/></policy></busconfig>\n"
    )
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if path.exists():
            break
        time.sleep(0.02)
    try:
        yield f"unix:path={path}"
    finally:
        daemon.terminate()
        daemon.wait()


def test_bus_against_dbus_daemon(private_bus: str) -> None:
    with Bus.connect(private_bus) as bus:
        (names,) = bus.call(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames"
        )
        assert "org.freedesktop.DBus" in names
        (owner,) = bus.call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetNameOwner",
            "s",
            ("org.freedesktop.DBus",),
        )
        assert owner == "org.freedesktop.DBus"


def test_list_units_through_dbus_daemon(private_bus: str) -> None:
    systemd = Bus.connect(private_bus)
    systemd.call(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "RequestName",
        "su",
        ("org.freedesktop.systemd1", 0),
    )
    stop = threading.Event()
    server = threading.Thread(target=_fake_systemd, args=(systemd, stop), daemon=True)
    server.start()
    try:
        with Bus.connect(private_bus) as client:
            units = list_units(client)
    finally:
        stop.set()
        server.join()
        systemd.sock.close()
    assert [(u.name, u.active_state, u.fragment_path, u.source_path, u.user) for u in units] == [
        ("cron.service", "active", "/lib/systemd/system/cron.service", "", "root"),
        ("tmp.mount", "inactive", "", "/etc/fstab", ""),
    ]


def _fake_systemd(bus: Bus, stop: threading.Event) -> None:
    """Serve ListUnits and Properties.Get on a connection that owns systemd's bus name."""
    bus.sock.settimeout(0.1)
    while not stop.is_set():
        try:
            kind, serial, fields, body = bus.receive()
        except BusError:
            continue  # the receive timed out; look at stop again
        if kind != METHOD_CALL:
            continue
        reply: dict[int, Any] = {5: serial, 6: fields[7]}
        bus.serial += 1
        if fields[3] == "ListUnits":
            out = encode_message(METHOD_RETURN, bus.serial, reply, "a(ssssssouso)", (UNITS,))
        elif (value := PROPERTIES.get((fields[1], body[1]))) is not None:
            out = encode_message(METHOD_RETURN, bus.serial, reply, "v", (("s", value),))
        else:
            reply[4] = "org.freedesktop.DBus.Error.UnknownProperty"
            out = encode_message(ERROR, bus.serial, reply, "s", ("no such property",))
        bus.sock.sendall(out)
