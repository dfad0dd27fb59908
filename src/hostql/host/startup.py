"""Startup items: XDG autostart entries, init.d scripts and systemd units (over D-Bus)."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hostql.host.etc_files import listed_files, split_fields

if TYPE_CHECKING:
    from hostql.host import Host

INIT_SCRIPTS = "/etc/init.d/"
XDG_AUTOSTART = "/etc/xdg/autostart/"
SYSTEM_BUS = "/run/dbus/system_bus_socket"
SYSTEMD = ("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
_UNIT_IFACE = "org.freedesktop.systemd1.Unit"
_SERVICE_IFACE = "org.freedesktop.systemd1.Service"
_PROPERTIES = "org.freedesktop.DBus.Properties"
# D-Bus message types and header field codes.
METHOD_CALL, METHOD_RETURN, ERROR = 1, 2, 3
_PATH, _INTERFACE, _MEMBER, _ERROR_NAME, _REPLY_SERIAL, _DESTINATION, _SENDER = range(1, 8)
_SIGNATURE = 8
_FIELD_TYPES = {_PATH: "o", _INTERFACE: "s", _MEMBER: "s", _ERROR_NAME: "s", _REPLY_SERIAL: "u",
                _DESTINATION: "s", _SENDER: "s", _SIGNATURE: "g"}  # fmt: skip
_FIXED = {"y": "B", "b": "I", "n": "h", "q": "H", "i": "i", "u": "I", "x": "q", "t": "Q",
          "d": "d", "h": "I"}  # fmt: skip


class BusError(Exception):
    """The bus could not be reached, or a call failed."""


@dataclass(frozen=True, slots=True)
class Unit:
    """A loaded systemd unit as osquery reports it."""

    name: str
    active_state: str
    fragment_path: str
    source_path: str
    user: str


class Startup:
    """Reader of the host's startup items."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def autostart_items(self, directory: str) -> Iterator[dict[str, Any]]:
        """XDG .desktop entries of a directory: the last Name= and Exec= of each file."""
        for path in listed_files(self.host, directory):
            row: dict[str, Any] = {}
            try:
                text = self.host.path(path).read_bytes().decode("utf-8", "replace")
            except OSError:
                text = ""
            for line in split_fields(text, "\n"):
                for key, column in (("Name=", "name"), ("Exec=", "path")):
                    if line.startswith(key):
                        details = split_fields(line, "=")
                        if len(details) == 2:
                            row[column] = details[1]
            yield {**row, **_source(directory)}

    def autostart_scripts(self, directory: str) -> Iterator[dict[str, Any]]:
        """Each file of a script directory (init.d, autostart-scripts) as an enabled item."""
        for path in listed_files(self.host, directory):
            yield {"name": path.rsplit("/", 1)[-1], "path": path, **_source(directory)}

    def systemd_units(self) -> list[Unit]:
        """Loaded units from systemd's ListUnits, with FragmentPath, SourcePath and User."""
        if not self.host.live:
            return []
        address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={SYSTEM_BUS}")
        with Bus.connect(address) as bus:
            return list_units(bus)


def _source(directory: str) -> dict[str, Any]:
    row: dict[str, Any] = {"type": "Startup Item", "status": "enabled", "source": directory}
    parts = split_fields(directory, "/")
    if len(parts) > 1 and parts[0] == "home":
        row["username"] = parts[1]
    return row


def list_units(bus: Bus) -> list[Unit]:
    """Ask systemd for its units and their paths (calls are pipelined)."""
    destination, path = SYSTEMD
    (units,) = bus.call(destination, path, "org.freedesktop.systemd1.Manager", "ListUnits")
    serials = []
    for unit in units:
        unit_path = unit[6]
        serials.append(
            [
                bus.send(destination, unit_path, _PROPERTIES, "Get", "ss", (iface, prop))
                for iface, prop in (
                    (_UNIT_IFACE, "FragmentPath"),
                    (_UNIT_IFACE, "SourcePath"),
                    (_SERVICE_IFACE, "User"),
                )
            ]
        )
    replies = bus.replies({s for group in serials for s in group})
    found: list[Unit] = []
    for unit, (fragment, source, user) in zip(units, serials, strict=True):
        values = []
        for serial in (fragment, source):
            kind, body = replies[serial]
            if kind == ERROR:
                # osquery stops listing at the first unit whose paths cannot be read.
                return found
            values.append(str(body[0][1]))
        kind, body = replies[user]
        found.append(
            Unit(
                unit[0],
                unit[3],
                values[0],
                values[1],
                str(body[0][1]) if kind == METHOD_RETURN else "",
            )
        )
    return found


class Bus:
    """A minimal D-Bus client: EXTERNAL authentication and method calls."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.serial = 0
        self.buffer = b""
        self.pending: dict[int, tuple[int, list[Any]]] = {}

    @classmethod
    def connect(cls, address: str) -> Bus:
        """Connect and authenticate to a unix:path= or unix:abstract= bus address."""
        target = None
        for part in address.split(";")[0].partition(":")[2].split(","):
            key, _, value = part.partition("=")
            if key == "path":
                target = value
            elif key == "abstract":
                target = "\0" + value
        if target is None:
            raise BusError(f"unsupported bus address {address!r}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        try:
            sock.connect(target)
            uid = str(os.getuid()).encode().hex().encode()
            sock.sendall(b"\0AUTH EXTERNAL " + uid + b"\r\n")
            if not _read_line(sock).startswith(b"OK"):
                raise BusError("bus refused EXTERNAL authentication")
            sock.sendall(b"BEGIN\r\n")
        except OSError as exc:
            sock.close()
            raise BusError(str(exc)) from exc
        bus = cls(sock)
        bus.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello")
        return bus

    def __enter__(self) -> Bus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str = "",
        args: tuple[Any, ...] = (),
    ) -> int:
        """Send a method call; its serial."""
        self.serial += 1
        self.sock.sendall(
            encode_message(
                METHOD_CALL,
                self.serial,
                {
                    _PATH: path,
                    _INTERFACE: interface,
                    _MEMBER: member,
                    _DESTINATION: destination,
                },
                signature,
                args,
            )
        )
        return self.serial

    def call(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str = "",
        args: tuple[Any, ...] = (),
    ) -> list[Any]:
        """Call a method and return its reply values (BusError on an error reply)."""
        serial = self.send(destination, path, interface, member, signature, args)
        kind, body = self.replies({serial})[serial]
        if kind == ERROR:
            raise BusError(f"{member}: {body[0] if body else 'error'}")
        return body

    def replies(self, serials: set[int]) -> dict[int, tuple[int, list[Any]]]:
        """Wait for the replies to serials: (message type, body values) by serial."""
        while not serials <= self.pending.keys():
            kind, _, fields, body = self.receive()
            if kind in (METHOD_RETURN, ERROR) and _REPLY_SERIAL in fields:
                self.pending[fields[_REPLY_SERIAL]] = (kind, body)
        return {s: self.pending.pop(s) for s in serials}

    def receive(self) -> tuple[int, int, dict[int, Any], list[Any]]:
        """The next message: (type, serial, header fields, body values)."""
        while True:
            decoded = decode_message(self.buffer)
            if decoded is not None:
                message, used = decoded
                self.buffer = self.buffer[used:]
                return message
            try:
                chunk = self.sock.recv(65536)
            except OSError as exc:
                raise BusError(str(exc)) from exc
            if not chunk:
                raise BusError("bus connection closed")
            self.buffer += chunk


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def encode_message(
    kind: int, serial: int, fields: dict[int, Any], signature: str = "", args: tuple[Any, ...] = ()
) -> bytes:
    """One little-endian D-Bus message."""
    body = bytearray()
    _marshal(body, signature, list(args))
    header_fields = [(code, (_FIELD_TYPES.get(code, "u"), value)) for code, value in fields.items()]
    if signature:
        header_fields.append((_SIGNATURE, ("g", signature)))
    header = bytearray(b"l" + bytes([kind, 0, 1]) + struct.pack("<II", len(body), serial))
    _marshal(header, "a(yv)", [header_fields])
    header += b"\0" * (-len(header) % 8)
    return bytes(header + body)


def decode_message(
    data: bytes,
) -> tuple[tuple[int, int, dict[int, Any], list[Any]], int] | None:
    """(type, serial, header fields, body values) and the bytes used, or None until the
    message is whole."""
    if len(data) < 16:
        return None
    if data[:1] != b"l":
        raise BusError("big-endian D-Bus messages are not supported")
    body_length, serial, fields_length = struct.unpack_from("<III", data, 4)
    header_end = 16 + fields_length + (-(16 + fields_length) % 8)
    if len(data) < header_end + body_length:
        return None
    (raw_fields,), _ = _unmarshal(data[:header_end], 12, "a(yv)")
    fields = {code: value[1] for code, value in raw_fields}
    body: list[Any] = []
    if body_length and fields.get(_SIGNATURE):
        body, _ = _unmarshal(data[header_end : header_end + body_length], 0, fields[_SIGNATURE])
    return (data[1], serial, fields, body), header_end + body_length


def _split_types(signature: str) -> list[str]:
    types, i = [], 0
    while i < len(signature):
        j = _type_end(signature, i)
        types.append(signature[i:j])
        i = j
    return types


def _type_end(signature: str, i: int) -> int:
    if signature[i] == "a":
        return _type_end(signature, i + 1)
    if signature[i] in "({":
        depth, j = 0, i
        while True:
            depth += signature[j] in "({"
            depth -= signature[j] in ")}"
            j += 1
            if depth == 0:
                return j
    return i + 1


def _alignment(code: str) -> int:
    if code[0] in "ybgv":
        return 1 if code[0] != "b" else 4
    if code[0] in "nq":
        return 2
    if code[0] in "xtd({":
        return 8
    return 4


def _marshal(out: bytearray, signature: str, values: list[Any]) -> None:
    for code, value in zip(_split_types(signature), values, strict=True):
        out += b"\0" * (-len(out) % _alignment(code))
        head = code[0]
        if head in _FIXED:
            out += struct.pack("<" + _FIXED[head], value)
        elif head in "so":
            raw = value.encode()
            out += struct.pack("<I", len(raw)) + raw + b"\0"
        elif head == "g":
            raw = value.encode()
            out += bytes([len(raw)]) + raw + b"\0"
        elif head == "v":
            _marshal(out, "g", [value[0]])
            _marshal(out, value[0], [value[1]])
        elif head in "({":
            _marshal(out, code[1:-1], list(value))
        elif head == "a":
            length_at = len(out)
            out += b"\0\0\0\0"
            out += b"\0" * (-len(out) % _alignment(code[1:]))
            start = len(out)
            for item in value:
                _marshal(out, code[1:], [item])
            struct.pack_into("<I", out, length_at, len(out) - start)


def _unmarshal(data: bytes, offset: int, signature: str) -> tuple[list[Any], int]:
    values = []
    for code in _split_types(signature):
        offset += -offset % _alignment(code)
        head = code[0]
        if head in _FIXED:
            fmt = "<" + _FIXED[head]
            values.append(struct.unpack_from(fmt, data, offset)[0])
            offset += struct.calcsize(fmt)
        elif head in "so":
            (length,) = struct.unpack_from("<I", data, offset)
            values.append(data[offset + 4 : offset + 4 + length].decode("utf-8", "replace"))
            offset += 5 + length
        elif head == "g":
            length = data[offset]
            values.append(data[offset + 1 : offset + 1 + length].decode())
            offset += 2 + length
        elif head == "v":
            (inner,), offset = _unmarshal(data, offset, "g")
            (value,), offset = _unmarshal(data, offset, inner)
            values.append((inner, value))
        elif head in "({":
            inner_values, offset = _unmarshal(data, offset, code[1:-1])
            values.append(tuple(inner_values))
        elif head == "a":
            (length,) = struct.unpack_from("<I", data, offset)
            offset += 4 + (-(offset + 4) % _alignment(code[1:]))
            end, items = offset + length, []
            while offset < end:
                (item,), offset = _unmarshal(data, offset, code[1:])
                items.append(item)
            values.append(items)
    return values, offset


def attach(host: Host) -> Startup:
    """The startup item reader of host."""
    return Startup(host)
