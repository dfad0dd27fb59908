"""The D-Bus wire client: signatures, marshalling, addresses, and calls on a real bus."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.dbus import (
    ERROR,
    METHOD_CALL,
    Connection,
    DBusError,
    Message,
    Variant,
    parse_message,
    socket_path,
    split_signature,
)


def test_split_signature() -> None:
    assert split_signature("sa{sv}(ii)ao") == ["s", "a{sv}", "(ii)", "ao"]
    assert split_signature("a(ssssssouso)") == ["a(ssssssouso)"]
    with pytest.raises(ValueError):
        split_signature("(ii")
    with pytest.raises(ValueError):
        split_signature("z")


def test_message_round_trip_keeps_every_type() -> None:
    body = (
        "text",
        "/a/path",
        7,
        -3,
        2**40,
        True,
        [("a", 1), ("b", 2)],
        {"k": Variant("s", "v"), "n": Variant("u", 5)},
        Variant("ay", [1, 2, 3]),
        1.5,
    )
    message = Message(
        METHOD_CALL,
        {1: "/obj", 3: "Do", 6: "org.example", 8: "soiixba(su)a{sv}vd"},
        body,
        serial=9,
    )
    parsed = parse_message(message.to_bytes())
    assert parsed.serial == 9
    assert (parsed.path, parsed.member, parsed.signature) == ("/obj", "Do", "soiixba(su)a{sv}vd")
    assert parsed.body == body


def test_wire_bytes_of_a_simple_call() -> None:
    # The layout libdbus produces: endianness, type, flags, version, lengths, header fields
    # padded to 8, then the body.
    wire = Message(METHOD_CALL, {3: "Hello"}, serial=1).to_bytes()
    assert wire[:4] == b"l\x01\x00\x01"
    assert wire[4:8] == b"\x00\x00\x00\x00"
    assert wire[8:12] == b"\x01\x00\x00\x00"
    assert wire[16:24] == b"\x03\x01s\x00\x05\x00\x00\x00"
    assert len(wire) % 8 == 0


def test_socket_path_of_addresses() -> None:
    assert socket_path("unix:path=/run/dbus/system_bus_socket") == "/run/dbus/system_bus_socket"
    assert socket_path("tcp:host=x,port=1;unix:path=/tmp/a%20b,guid=1") == "/tmp/a b"
    assert socket_path("unix:abstract=/tmp/dbus-X") == "\0/tmp/dbus-X"
    with pytest.raises(ValueError):
        socket_path("tcp:host=localhost,port=1")


def test_system_bus_address(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DBUS_SYSTEM_BUS_ADDRESS", raising=False)
    assert Host().dbus.system_bus_address() == "unix:path=/var/run/dbus/system_bus_socket"
    expected = f"unix:path={tmp_path}/var/run/dbus/system_bus_socket"
    assert Host(tmp_path).dbus.system_bus_address() == expected
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/elsewhere")
    assert Host(tmp_path).dbus.system_bus_address() == "unix:path=/elsewhere"


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[str]:
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon (Debian package dbus-daemon) is not installed")
    process = subprocess.Popen(
        [daemon, "--session", f"--address=unix:path={tmp_path}/bus", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    try:
        yield address
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_calls_and_errors_on_a_real_bus(bus_address: str) -> None:
    with Connection(bus_address) as bus:
        assert bus.unique_name.startswith(":")
        (names,) = bus.call(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames"
        )
        assert "org.freedesktop.DBus" in names and bus.unique_name in names
        with pytest.raises(DBusError) as caught:
            bus.call("org.example.Nobody", "/", "org.example.Iface", "Missing")
        assert caught.value.name == "org.freedesktop.DBus.Error.ServiceUnknown"
        results = bus.call_many(
            [
                ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", m, "", ())
                for m in ("GetId", "NoSuchMethod", "ListNames")
            ]
        )
        assert isinstance(results[0], tuple) and len(results[0][0]) == 32
        assert isinstance(results[1], DBusError)
        assert isinstance(results[2], tuple) and bus.unique_name in results[2][0]


def test_error_replies_carry_name_and_text() -> None:
    reply = Message(ERROR, {4: "org.example.Error.Bad", 5: 3, 8: "s"}, ("it broke",), serial=4)
    parsed = parse_message(reply.to_bytes())
    assert (parsed.error_name, parsed.reply_serial, parsed.body) == (
        "org.example.Error.Bad",
        3,
        ("it broke",),
    )
