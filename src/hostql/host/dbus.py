"""D-Bus: a minimal client of the system bus (SASL EXTERNAL auth, method calls with replies).

The wire format (marshalling, framing) is in hostql.host.dbus_message.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from hostql.host.dbus_message import (
    ERROR,
    FIELD_DESTINATION,
    FIELD_ERROR_NAME,
    FIELD_INTERFACE,
    FIELD_MEMBER,
    FIELD_PATH,
    FIELD_REPLY_SERIAL,
    FIELD_SIGNATURE,
    MAX_MESSAGE,
    METHOD_CALL,
    METHOD_RETURN,
    NO_REPLY_EXPECTED,
    DBusError,
    Message,
    Variant,
    message_length,
    parse_message,
    split_signature,
)

if TYPE_CHECKING:
    from hostql.host import Host

__all__ = [
    "ERROR",
    "METHOD_CALL",
    "METHOD_RETURN",
    "Connection",
    "DBus",
    "DBusError",
    "Message",
    "Variant",
    "parse_message",
    "socket_path",
    "split_signature",
]

SYSTEM_BUS_SOCKET = "/var/run/dbus/system_bus_socket"
DEFAULT_TIMEOUT = 5.0


def socket_path(address: str) -> str:
    """The unix socket of the first usable address in a D-Bus address list."""
    for entry in address.split(";"):
        transport, _, params = entry.partition(":")
        if transport != "unix":
            continue
        values = dict(p.split("=", 1) for p in params.split(",") if "=" in p)
        if "path" in values:
            return unquote(values["path"])
        if "abstract" in values:
            return "\0" + unquote(values["abstract"])
    raise ValueError(f"no unix socket in D-Bus address {address!r}")


class Connection:
    """One authenticated connection to a message bus (blocking, with a timeout)."""

    def __init__(self, address: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self._buffer = bytearray()
        self._serial = 0
        self._queued: list[Message] = []
        try:
            self.sock.connect(socket_path(address))
            self._authenticate()
            (self.unique_name,) = self.call(
                "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello"
            )
        except BaseException:
            self.sock.close()
            raise

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.sock.close()

    def _authenticate(self) -> None:
        uid = str(os.geteuid()).encode().hex()
        self.sock.sendall(b"\0AUTH EXTERNAL " + uid.encode() + b"\r\n")
        line = self._read_line()
        if not line.startswith(b"OK "):
            raise DBusError(
                "org.freedesktop.DBus.Error.AuthFailed", line.decode("ascii", "replace")
            )
        self.sock.sendall(b"BEGIN\r\n")

    def _read_line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            self._fill()
        line, _, rest = bytes(self._buffer).partition(b"\r\n")
        self._buffer[:] = rest
        return line

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the bus closed the connection")
        self._buffer.extend(chunk)

    def send(self, message: Message) -> int:
        """Send a message, giving it the next serial; returns that serial."""
        self._serial += 1
        message.serial = self._serial
        self.sock.sendall(message.to_bytes())
        return self._serial

    def receive(self) -> Message:
        """The next incoming message (blocks up to the timeout)."""
        if self._queued:
            return self._queued.pop(0)
        while len(self._buffer) < 16:
            self._fill()
        length = message_length(bytes(self._buffer[:16]))
        if length > MAX_MESSAGE:
            raise ValueError("message exceeds the D-Bus size limit")
        while len(self._buffer) < length:
            self._fill()
        data = bytes(self._buffer[:length])
        del self._buffer[:length]
        return parse_message(data)

    def call(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str = "",
        args: Sequence[Any] = (),
    ) -> tuple[Any, ...]:
        """Call a method and return its reply's body (DBusError for an error reply)."""
        (result,) = self.call_many([(destination, path, interface, member, signature, args)])
        if isinstance(result, DBusError):
            raise result
        return result

    def call_many(
        self, calls: Iterable[tuple[str, str, str, str, str, Sequence[Any]]], window: int = 64
    ) -> list[tuple[Any, ...] | DBusError]:
        """Several calls pipelined (at most window in flight): each body or DBusError, in order."""
        pending = list(calls)
        results: list[tuple[Any, ...] | DBusError] = [()] * len(pending)
        waiting: dict[int, int] = {}
        next_index = 0
        while next_index < len(pending) or waiting:
            while next_index < len(pending) and len(waiting) < window:
                destination, path, interface, member, signature, args = pending[next_index]
                fields: dict[int, Any] = {
                    FIELD_PATH: path,
                    FIELD_MEMBER: member,
                    FIELD_DESTINATION: destination,
                }
                if interface:
                    fields[FIELD_INTERFACE] = interface
                if signature:
                    fields[FIELD_SIGNATURE] = signature
                waiting[self.send(Message(METHOD_CALL, fields, args))] = next_index
                next_index += 1
            message = self.receive()
            index = waiting.pop(message.reply_serial, None)
            if index is None or message.type not in (METHOD_RETURN, ERROR):
                continue  # a signal or stray message: not an answer to these calls
            if message.type == ERROR:
                text = message.body[0] if message.body and isinstance(message.body[0], str) else ""
                results[index] = DBusError(message.error_name, text)
            else:
                results[index] = message.body
        return results

    def reply(self, call: Message, signature: str = "", body: Sequence[Any] = ()) -> None:
        """Answer a method call (for services)."""
        fields: dict[int, Any] = {FIELD_REPLY_SERIAL: call.serial, FIELD_DESTINATION: call.sender}
        if signature:
            fields[FIELD_SIGNATURE] = signature
        self.send(Message(METHOD_RETURN, fields, body, NO_REPLY_EXPECTED))

    def error(self, call: Message, name: str, text: str = "") -> None:
        """Answer a method call with an error (for services)."""
        fields = {
            FIELD_REPLY_SERIAL: call.serial,
            FIELD_DESTINATION: call.sender,
            FIELD_ERROR_NAME: name,
        }
        fields[FIELD_SIGNATURE] = "s"
        self.send(Message(ERROR, fields, (text,), NO_REPLY_EXPECTED))


class DBus:
    """The host's message buses."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def system_bus_address(self) -> str:
        """DBUS_SYSTEM_BUS_ADDRESS if set (as libdbus reads it), else the standard socket."""
        address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
        if address:
            return address
        return "unix:path=" + str(self.host.path(SYSTEM_BUS_SOCKET))

    def system_bus(self, timeout: float | None = None) -> Connection:
        """A new connection to the system bus (OSError or DBusError when there is none)."""
        return Connection(
            self.system_bus_address(), DEFAULT_TIMEOUT if timeout is None else timeout
        )


def attach(host: Host) -> DBus:
    """The D-Bus reader of host."""
    return DBus(host)
