"""Reading Thrift binary-protocol messages from a socket, every length bounded by Limits."""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

from hostql.extensions.thrift_protocol import (
    BOOL,
    BYTE,
    DOUBLE,
    I16,
    I32,
    I64,
    LIST,
    MAP,
    MAX_DEPTH,
    MAX_NAME,
    ROWS,
    SET,
    STOP,
    STRING,
    STRUCT,
    VERSION_1,
    VERSION_MASK,
    ConnectionClosed,
    Limits,
    ListOf,
    MapOf,
    ProtocolError,
    Struct,
    wire_type,
)

_I8 = struct.Struct(">b")
_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")
_HEADER = struct.Struct(">bbi")  # map: key type, value type, count
_LIST_HEADER = struct.Struct(">bi")
_FIXED_SIZES = {BOOL: 1, BYTE: 1, DOUBLE: 8, I16: 2, I32: 4, I64: 8}


class Reader:
    """Reads Thrift values from a socket through a buffer, within Limits."""

    def __init__(self, sock: socket.socket, limits: Limits | None = None) -> None:
        self.sock = sock
        self.limits = limits or Limits()
        self._buf = b""
        self._pos = 0
        self._used = 0  # bytes of the current message consumed before _buf began
        self._deadline = 0.0

    def buffered(self) -> bool:
        """Whether bytes of a next message are already waiting in the buffer."""
        return self._pos < len(self._buf)

    def read_message_begin(self, wait: float | None = None) -> tuple[str, int, int]:
        """(name, message type, seqid) of the next message.

        Waits up to wait seconds (None: for ever) for it to start: TimeoutError if it does not.
        """
        self._used = -self._pos
        if not self.buffered():
            self.sock.settimeout(wait)
            self._fill(1, first=True)
        self._deadline = time.monotonic() + self.limits.message_timeout
        size = self._i32()
        if size < 0:
            if size & VERSION_MASK != VERSION_1 & VERSION_MASK:
                raise ProtocolError(f"bad Thrift protocol version {size & 0xFFFFFFFF:#x}")
            name = self._string(MAX_NAME)
            return name, size & 0xFF, self._i32()
        # An old-style (non-strict) header: the name's length comes first.
        if size > MAX_NAME:
            raise ProtocolError(f"message name of {size} bytes is too long")
        name = self._take(size).decode("utf-8", "replace")
        return name, self._take(1)[0], self._i32()

    def read_struct(self, spec: Struct, depth: int = 0) -> dict[str, Any]:
        """A struct's known fields by name; unknown fields are skipped."""
        if depth > MAX_DEPTH:
            raise ProtocolError("Thrift value nested too deeply")
        fields = spec.by_id()
        value: dict[str, Any] = {}
        while True:
            kind = self._take(1)[0]
            if kind == STOP:
                return value
            (field_id,) = _I16.unpack(self._take(2))
            field = fields.get(field_id)
            if field is None or wire_type(field.type) != kind:
                self.skip(kind, depth + 1)
            else:
                value[field.name] = self.read_value(field.type, depth + 1)

    def read_value(self, spec: Any, depth: int = 0) -> Any:
        """One value of type spec."""
        if spec == STRING:
            return self._string(self.limits.max_string)
        if spec == I32:
            return self._i32()
        if spec == I64:
            return _I64.unpack(self._take(8))[0]
        if spec == BOOL:
            return self._take(1)[0] != 0
        if spec == BYTE:
            return _I8.unpack(self._take(1))[0]
        if spec == I16:
            return _I16.unpack(self._take(2))[0]
        if spec == DOUBLE:
            return _F64.unpack(self._take(8))[0]
        if isinstance(spec, Struct):
            return self.read_struct(spec, depth)
        if depth > MAX_DEPTH:
            raise ProtocolError("Thrift value nested too deeply")
        if isinstance(spec, ListOf):
            if spec == ROWS:
                return self._rows()
            kind, count = self._list_header()
            self._expect(kind, spec.element)
            return [self.read_value(spec.element, depth + 1) for _ in range(count)]
        if isinstance(spec, MapOf):
            key_kind, value_kind, count = self._map_header()
            if count:
                self._expect(key_kind, spec.key)
                self._expect(value_kind, spec.value)
            result = {}
            for _ in range(count):
                key = self.read_value(spec.key, depth + 1)
                result[key] = self.read_value(spec.value, depth + 1)
            return result
        raise ProtocolError(f"cannot decode Thrift type {spec!r}")

    def skip(self, kind: int, depth: int = 0) -> None:
        """Read past one value of wire type kind."""
        if depth > MAX_DEPTH:
            raise ProtocolError("Thrift value nested too deeply")
        size = _FIXED_SIZES.get(kind)
        if size is not None:
            self._take(size)
        elif kind == STRING:
            self._string(self.limits.max_string, decode=False)
        elif kind == STRUCT:
            while (field_kind := self._take(1)[0]) != STOP:
                self._take(2)
                self.skip(field_kind, depth + 1)
        elif kind == MAP:
            key_kind, value_kind, count = self._map_header()
            for _ in range(count):
                self.skip(key_kind, depth + 1)
                self.skip(value_kind, depth + 1)
        elif kind in (LIST, SET):
            element, count = self._list_header()
            for _ in range(count):
                self.skip(element, depth + 1)
        else:
            raise ProtocolError(f"unknown Thrift type code {kind}")

    # -- the byte level ----------------------------------------------------------------------

    def _expect(self, kind: int, spec: Any) -> None:
        if kind != wire_type(spec):
            raise ProtocolError(f"expected Thrift type {wire_type(spec)}, got {kind}")

    def _list_header(self) -> tuple[int, int]:
        kind, count = _LIST_HEADER.unpack(self._take(5))
        self._check_count(count)
        return kind, count

    def _map_header(self) -> tuple[int, int, int]:
        key_kind, value_kind, count = _HEADER.unpack(self._take(6))
        self._check_count(count)
        return key_kind, value_kind, count

    def _check_count(self, count: int) -> None:
        # Every element takes at least one byte, so a count beyond the message bound is a lie.
        if count < 0 or count > self.limits.max_message:
            raise ProtocolError(f"container of {count} elements exceeds the message limit")

    def _i32(self) -> int:
        pos = self._pos
        if pos + 4 > len(self._buf):
            self._fill(4)
            pos = self._pos
        self._pos = pos + 4
        return _I32.unpack_from(self._buf, pos)[0]  # type: ignore[no-any-return]

    def _string(self, limit: int, decode: bool = True) -> Any:
        size = self._i32()
        if size < 0 or size > limit:
            raise ProtocolError(f"string of {size} bytes exceeds the limit of {limit}")
        data = self._take(size)
        return data.decode("utf-8", "replace") if decode else data

    def _rows(self) -> list[dict[str, str]]:
        """list<map<string,string>>, the shape of every table response, on a fast path."""
        kind, count = self._list_header()
        if count and kind != MAP:
            raise ProtocolError(f"expected a list of maps, got element type {kind}")
        rows: list[dict[str, str]] = []
        names: dict[bytes, str] = {}  # column names repeat in every row: decode each once
        limit = self.limits.max_string
        i32, header = _I32.unpack_from, _HEADER.unpack_from
        for _ in range(count):
            if self._pos + 6 > len(self._buf):
                self._fill(6)
            buf, pos = self._buf, self._pos
            key_kind, value_kind, pairs = header(buf, pos)
            pos += 6
            self._check_count(pairs)
            if pairs and (key_kind != STRING or value_kind != STRING):
                raise ProtocolError("expected map<string, string> rows")
            row = {}
            key = ""
            for index in range(pairs * 2):
                # The buffer is refilled only at its end: the common case is two slices.
                if pos + 4 > len(buf):
                    self._pos = pos
                    self._fill(4)
                    buf, pos = self._buf, self._pos
                (size,) = i32(buf, pos)
                if size < 0 or size > limit:
                    raise ProtocolError(f"string of {size} bytes exceeds the limit of {limit}")
                pos += 4
                end = pos + size
                if end > len(buf):
                    self._pos = pos
                    self._fill(size)
                    buf, pos = self._buf, self._pos
                    end = pos + size
                raw = buf[pos:end]
                pos = end
                if index & 1:
                    row[key] = raw.decode("utf-8", "replace")
                else:
                    name = names.get(raw)
                    if name is None:
                        name = names[raw] = raw.decode("utf-8", "replace")
                    key = name
            self._pos = pos
            rows.append(row)
        return rows

    def _take(self, size: int) -> bytes:
        pos = self._pos
        end = pos + size
        if end > len(self._buf):
            self._fill(size)
            pos = self._pos
            end = pos + size
        self._pos = end
        return self._buf[pos:end]

    def _fill(self, size: int, first: bool = False) -> None:
        """Make size bytes available at _pos, receiving more as needed within the limits."""
        have = len(self._buf) - self._pos
        if have >= size:
            return
        if self._used + len(self._buf) + (size - have) > self.limits.max_message:
            raise ProtocolError(f"message exceeds {self.limits.max_message} bytes")
        chunks = [self._buf[self._pos :]]
        self._used += self._pos
        while have < size:
            if not first:
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    raise ProtocolError("timed out in the middle of a message")
                self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(max(size - have, 256 * 1024))
            except TimeoutError:
                if first:
                    raise
                raise ProtocolError("timed out in the middle of a message") from None
            except OSError as exc:
                raise ConnectionClosed(f"connection failed: {exc}") from None
            if not data:
                raise ConnectionClosed("connection closed" if first and not have else "truncated")
            chunks.append(data)
            have += len(data)
        self._buf = b"".join(chunks)
        self._pos = 0
