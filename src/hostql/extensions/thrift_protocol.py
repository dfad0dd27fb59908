"""Thrift's binary protocol as osquery uses it: type descriptors, limits and the encoder.

osquery's core and its SDKs speak TBinaryProtocol on a plain (unframed, TBufferedTransport)
UNIX socket, so a message has no length prefix: thrift_reader parses it as it arrives, checking
every length read from the wire against Limits before anything is allocated, and a message
must arrive in full within a deadline; garbage, huge length headers or a stalled peer end the
connection, not the core.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

# Wire type codes.
STOP, BOOL, BYTE, DOUBLE, I16, I32, I64, STRING, STRUCT, MAP, SET, LIST = (
    0, 2, 3, 4, 6, 8, 10, 11, 12, 13, 14, 15,
)  # fmt: skip
# Message types.
CALL, REPLY, EXCEPTION, ONEWAY = 1, 2, 3, 4
# TApplicationException types.
UNKNOWN_METHOD, INVALID_MESSAGE_TYPE, INTERNAL_ERROR, PROTOCOL_ERROR = 1, 2, 6, 7

VERSION_1 = 0x80010000
VERSION_MASK = 0xFFFF0000
_I8 = struct.Struct(">b")
_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")
_HEADER = struct.Struct(">bbi")  # map: key type, value type, count
_LIST_HEADER = struct.Struct(">bi")
_FIELD_HEADER = struct.Struct(">bh")
MAX_DEPTH = 32
MAX_NAME = 1024


class ProtocolError(Exception):
    """The peer sent something that is not a well-formed, bounded Thrift message."""


class ConnectionClosed(ProtocolError):
    """The peer closed the connection (cleanly between messages, or in the middle of one)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one message may make us read."""

    max_message: int = 64 * 1024 * 1024
    max_string: int = 16 * 1024 * 1024
    # Seconds a message may take to arrive once its first byte is in.
    message_timeout: float = 30.0


# -- type descriptors -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListOf:
    """list<element>."""

    element: Any


@dataclass(frozen=True, slots=True)
class MapOf:
    """map<key, value>."""

    key: Any
    value: Any


@dataclass(frozen=True, slots=True)
class Field:
    """One struct field: id, name and type (a wire code, ListOf, MapOf or Struct)."""

    id: int
    name: str
    type: Any


@dataclass(frozen=True, slots=True)
class Struct:
    """A struct: decoded to and encoded from a dict of field name -> value."""

    name: str
    fields: tuple[Field, ...]

    def by_id(self) -> dict[int, Field]:
        """The fields keyed by id."""
        return {field.id: field for field in self.fields}


def wire_type(spec: Any) -> int:
    """The wire code of a type descriptor."""
    if isinstance(spec, int):
        return spec
    if isinstance(spec, ListOf):
        return LIST
    if isinstance(spec, MapOf):
        return MAP
    return STRUCT


# -- encoding -------------------------------------------------------------------------------


def encode_message(name: str, kind: int, seqid: int, spec: Struct, value: dict[str, Any]) -> bytes:
    """A strict binary-protocol message: header, then the args or result struct."""
    out = bytearray()
    out += _I32.pack((VERSION_1 | kind) - (1 << 32))
    _write_string(out, name)
    out += _I32.pack(seqid)
    _write_struct(out, spec, value)
    return bytes(out)


def _write_string(out: bytearray, text: str | bytes) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    out += _I32.pack(len(data))
    out += data


def _write_struct(out: bytearray, spec: Struct, value: dict[str, Any]) -> None:
    for field in spec.fields:
        item = value.get(field.name)
        if item is None:
            continue
        out += _FIELD_HEADER.pack(wire_type(field.type), field.id)
        _write_value(out, field.type, item)
    out.append(STOP)


def _write_value(out: bytearray, spec: Any, value: Any) -> None:
    if spec == STRING:
        _write_string(out, value if isinstance(value, str | bytes) else str(value))
    elif spec == I32:
        out += _I32.pack(int(value))
    elif spec == I64:
        out += _I64.pack(int(value))
    elif spec == BOOL:
        out.append(1 if value else 0)
    elif spec == BYTE:
        out += _I8.pack(int(value))
    elif spec == I16:
        out += _I16.pack(int(value))
    elif spec == DOUBLE:
        out += _F64.pack(float(value))
    elif spec == ROWS:
        _write_rows(out, value)
    elif isinstance(spec, ListOf):
        out += _LIST_HEADER.pack(wire_type(spec.element), len(value))
        for item in value:
            _write_value(out, spec.element, item)
    elif isinstance(spec, MapOf):
        out += _HEADER.pack(wire_type(spec.key), wire_type(spec.value), len(value))
        for key, item in value.items():
            _write_value(out, spec.key, key)
            _write_value(out, spec.value, item)
    elif isinstance(spec, Struct):
        _write_struct(out, spec, value)
    else:
        raise TypeError(f"cannot encode Thrift type {spec!r}")


def _write_rows(out: bytearray, rows: list[dict[str, Any]]) -> None:
    """list<map<string,string>> on a fast path (a 10,000-row table answer is 80,000 strings)."""
    pack, header = _I32.pack, _HEADER.pack
    out += _LIST_HEADER.pack(MAP, len(rows))
    names: dict[str, bytes] = {}
    for row in rows:
        out += header(STRING, STRING, len(row))
        for key, value in row.items():
            name = names.get(key)
            if name is None:
                data = key.encode("utf-8", "surrogateescape")
                name = names[key] = pack(len(data)) + data
            out += name
            data = (value if isinstance(value, str) else str(value)).encode(
                "utf-8", "surrogateescape"
            )
            out += pack(len(data))
            out += data


# Rows as tables and queries return them: list<map<string, string>>.
ROWS = ListOf(MapOf(STRING, STRING))

APPLICATION_EXCEPTION = Struct(
    "TApplicationException", (Field(1, "message", STRING), Field(2, "type", I32))
)
