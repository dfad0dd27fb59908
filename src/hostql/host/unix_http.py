"""HTTP/1.1 GET over a unix socket, and osquery's rules for reading the JSON answers."""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any, NamedTuple

# Seconds one request may take in all (connect, send, every read); the tests lower it.
DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_MAX_HEADER_BYTES = 64 * 1024
_SUN_PATH_MAX = 107
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


class UnixHttpError(Exception):
    """A request that failed or whose answer cannot be used (one message, no traceback)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SocketMissing(UnixHttpError):
    """No socket at the path: the service is absent, which is not an error worth a warning."""


class Response(NamedTuple):
    """A complete HTTP response."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


class _Reader:
    """Buffered reads from a socket under one overall deadline and a byte budget."""

    __slots__ = ("buffer", "deadline", "remaining", "sock", "timeout")

    def __init__(self, sock: socket.socket, deadline: float, timeout: float, budget: int) -> None:
        self.sock = sock
        self.deadline = deadline
        self.timeout = timeout
        self.remaining = budget
        self.buffer = bytearray()

    def fill(self) -> bool:
        """Read more bytes into the buffer; False at end of stream."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise UnixHttpError(f"timed out after {self.timeout:g} s")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise UnixHttpError(f"timed out after {self.timeout:g} s") from None
        if not data:
            return False
        self.remaining -= len(data)
        if self.remaining < 0:
            raise UnixHttpError("response exceeds the size limit")
        self.buffer += data
        return True

    def line(self, limit: int = _MAX_HEADER_BYTES) -> bytes:
        """One CRLF-terminated line, without its terminator."""
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > limit:
                raise UnixHttpError("malformed response: line too long")
            if not self.fill():
                raise UnixHttpError("connection closed mid-response")
        line = bytes(self.buffer[:end]).rstrip(b"\r")
        del self.buffer[: end + 1]
        return line

    def exactly(self, size: int) -> bytes:
        """size bytes of body."""
        while len(self.buffer) < size:
            if not self.fill():
                raise UnixHttpError(
                    f"truncated response: {len(self.buffer)} of {size} body bytes received"
                )
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def rest(self) -> bytes:
        """Everything until the server closes the connection."""
        while self.fill():
            pass
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def _connect(sock: socket.socket, path: str) -> None:
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        sock.connect(path)
        return
    # sun_path holds 108 bytes: reach a deeper socket through its directory's descriptor.
    directory = os.open(os.path.dirname(path) or ".", os.O_PATH | os.O_DIRECTORY)
    try:
        sock.connect(f"/proc/self/fd/{directory}/{os.path.basename(path)}")
    finally:
        os.close(directory)


def _chunked(reader: _Reader) -> bytes:
    body = bytearray()
    while True:
        size_text = reader.line().split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise UnixHttpError(f"malformed chunk size {size_text[:20]!r}") from None
        if size == 0:
            return bytes(body)
        body += reader.exactly(size)
        if reader.line():
            raise UnixHttpError("malformed chunk terminator")


def get(
    socket_path: str,
    target: str,
    *,
    timeout: float | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    host: str = "localhost",
) -> Response:
    """GET target from the HTTP server listening on socket_path."""
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    if not os.path.exists(socket_path):
        raise SocketMissing(f"no socket at {socket_path}")
    deadline = time.monotonic() + limit
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: hostql\r\n"
        "Accept: application/json\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(limit)
        try:
            _connect(sock, socket_path)
            sock.sendall(request)
        except FileNotFoundError:
            raise SocketMissing(f"no socket at {socket_path}") from None
        except TimeoutError:
            raise UnixHttpError(f"timed out after {limit:g} s") from None
        except OSError as exc:
            raise UnixHttpError(f"cannot connect to {socket_path}: {exc.strerror or exc}") from None
        reader = _Reader(sock, deadline, limit, max_bytes + _MAX_HEADER_BYTES)
        try:
            return _response(reader, max_bytes)
        except OSError as exc:
            raise UnixHttpError(f"connection failed: {exc.strerror or exc}") from None


def _response(reader: _Reader, max_bytes: int) -> Response:
    status_line = reader.line()
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise UnixHttpError(f"malformed status line {status_line[:60]!r}")
    status = int(parts[1])
    reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
    headers: dict[str, str] = {}
    while line := reader.line():
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise UnixHttpError(f"malformed header line {line[:60]!r}")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _chunked(reader)
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise UnixHttpError("malformed Content-Length") from None
        if length > max_bytes:
            raise UnixHttpError("response exceeds the size limit")
        body = reader.exactly(length)
    else:
        body = reader.rest()
    if len(body) > max_bytes:
        raise UnixHttpError("response exceeds the size limit")
    return Response(status, reason, headers, body)


def error_message(body: bytes) -> str:
    """The message of a JSON error body (Docker's "message", LXD's "error"), else its text."""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict):
        for key in ("message", "error"):
            if isinstance(document.get(key), str) and document[key]:
                return document[key]
    return body[:200].decode("utf-8", "replace").strip()


def get_json(socket_path: str, target: str, *, timeout: float | None = None) -> Any:
    """The decoded JSON body of a successful (2xx) GET; UnixHttpError otherwise."""
    response = get(socket_path, target, timeout=timeout)
    if not 200 <= response.status < 300:
        message = error_message(response.body)
        raise UnixHttpError(f"HTTP {response.status}: {message}", response.status)
    try:
        return json.loads(response.body)
    except ValueError as exc:
        raise UnixHttpError(f"invalid JSON in response: {exc}") from None


def field(document: Any, *keys: str) -> Any:
    """The value at a path of object keys, or None where any step is missing."""
    for key in keys:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def text(value: Any) -> str:
    """A JSON scalar as osquery's property tree reads it into a string ("" when absent)."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def integer(value: Any, default: int | None = 0) -> int | None:
    """A JSON number as a 64-bit integer: default when absent or not integral, NULL if too big."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, str):
        try:
            value = int(value.strip(), 10)
        except ValueError:
            return default
    if not isinstance(value, int):
        return default
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def flag(value: Any) -> int:
    """A JSON boolean as osquery's 1/0 (absent or not a boolean is 0)."""
    if isinstance(value, str):
        return 1 if value.strip().lower() in ("true", "1") else 0
    return 1 if value is True or (type(value) is int and value == 1) else 0


def strings(value: Any) -> list[str]:
    """A JSON array of scalars as strings; a lone string is a one-item list, null is empty."""
    if isinstance(value, list):
        return [text(v) for v in value]
    if isinstance(value, str):
        return [value]
    return []


def wrap_int64(value: int) -> int:
    """value reduced to a signed 64-bit integer, as C++ long arithmetic wraps."""
    return (value + 2**63) % 2**64 - 2**63
