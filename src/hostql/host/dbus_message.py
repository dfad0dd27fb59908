"""D-Bus messages on the wire: signatures, little-endian marshalling, and message framing."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

METHOD_CALL, METHOD_RETURN, ERROR, SIGNAL = 1, 2, 3, 4
NO_REPLY_EXPECTED = 0x1
FIELD_PATH, FIELD_INTERFACE, FIELD_MEMBER, FIELD_ERROR_NAME, FIELD_REPLY_SERIAL = 1, 2, 3, 4, 5
FIELD_DESTINATION, FIELD_SENDER, FIELD_SIGNATURE = 6, 7, 8
_FIELD_TYPES = {
    FIELD_PATH: "o",
    FIELD_INTERFACE: "s",
    FIELD_MEMBER: "s",
    FIELD_ERROR_NAME: "s",
    FIELD_REPLY_SERIAL: "u",
    FIELD_DESTINATION: "s",
    FIELD_SENDER: "s",
    FIELD_SIGNATURE: "g",
}
_FIXED = {
    "y": ("B", 1),
    "b": ("I", 4),
    "n": ("h", 2),
    "q": ("H", 2),
    "i": ("i", 4),
    "u": ("I", 4),
    "h": ("I", 4),
    "x": ("q", 8),
    "t": ("Q", 8),
    "d": ("d", 8),
}
_ALIGN = {**{code: size for code, (_, size) in _FIXED.items()}, "s": 4, "o": 4, "g": 1, "v": 1}
_ALIGN.update({"a": 4, "(": 8, "{": 8})
MAX_MESSAGE = 128 * 1024 * 1024


class DBusError(Exception):
    """An error reply from the bus or a peer: its D-Bus error name and message."""

    def __init__(self, name: str, message: str = "") -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.name = name
        self.text = message


class Variant:
    """A value with an explicit D-Bus signature (marshalled as type 'v')."""

    __slots__ = ("signature", "value")

    def __init__(self, signature: str, value: Any) -> None:
        self.signature = signature
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Variant) and (self.signature, self.value) == (
            other.signature,
            other.value,
        )

    def __hash__(self) -> int:
        return hash((self.signature, repr(self.value)))

    def __repr__(self) -> str:
        return f"Variant({self.signature!r}, {self.value!r})"


def split_signature(signature: str) -> list[str]:
    """The complete types of a signature: 'sa{sv}(ii)' -> ['s', 'a{sv}', '(ii)']."""
    types = []
    index = 0
    while index < len(signature):
        end = _type_end(signature, index)
        types.append(signature[index:end])
        index = end
    return types


def _type_end(signature: str, index: int) -> int:
    code = signature[index]
    if code == "a":
        return _type_end(signature, index + 1)
    if code in "({":
        closing = ")" if code == "(" else "}"
        depth = 0
        for position in range(index, len(signature)):
            if signature[position] == code:
                depth += 1
            elif signature[position] == closing:
                depth -= 1
                if depth == 0:
                    return position + 1
        raise ValueError(f"unbalanced signature {signature!r}")
    if code not in _ALIGN:
        raise ValueError(f"unknown type code {code!r} in {signature!r}")
    return index + 1


class _Writer:
    """Marshals values into a little-endian D-Bus buffer."""

    def __init__(self, start: int = 0) -> None:
        self.buffer = bytearray()
        self.start = start

    def pad(self, alignment: int) -> None:
        self.buffer.extend(b"\0" * (-(self.start + len(self.buffer)) % alignment))

    def write(self, signature: str, value: Any) -> None:
        code = signature[0]
        self.pad(_ALIGN[code])
        fixed = _FIXED.get(code)
        if fixed is not None:
            self.buffer.extend(
                struct.pack("<" + fixed[0], int(bool(value)) if code == "b" else value)
            )
        elif code in "so":
            data = value.encode()
            self.buffer.extend(struct.pack("<I", len(data)) + data + b"\0")
        elif code == "g":
            data = value.encode()
            self.buffer.extend(bytes((len(data),)) + data + b"\0")
        elif code == "v":
            variant = value if isinstance(value, Variant) else Variant(_guess(value), value)
            self.write("g", variant.signature)
            self.write(variant.signature, variant.value)
        elif code == "a":
            self._array(signature[1:], value)
        elif code == "(":
            for inner, item in zip(split_signature(signature[1:-1]), value, strict=True):
                self.write(inner, item)
        else:
            raise ValueError(f"cannot marshal type {signature!r}")

    def _array(self, element: str, value: Any) -> None:
        self.pad(4)
        length_at = len(self.buffer)
        self.buffer.extend(b"\0\0\0\0")
        self.pad(_ALIGN[element[0]])
        first = len(self.buffer)
        if element[0] == "{":
            key, item = split_signature(element[1:-1])
            for k, v in value.items():
                self.pad(8)
                self.write(key, k)
                self.write(item, v)
        else:
            for item in value:
                self.write(element, item)
        struct.pack_into("<I", self.buffer, length_at, len(self.buffer) - first)


def _guess(value: Any) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "x"
    if isinstance(value, float):
        return "d"
    if isinstance(value, str):
        return "s"
    raise ValueError(f"give a Variant for {value!r}")


class _Reader:
    """Unmarshals values from a little-endian D-Bus buffer."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def align(self, alignment: int) -> None:
        self.offset += -self.offset % alignment

    def read(self, signature: str) -> Any:
        code = signature[0]
        self.align(_ALIGN[code])
        fixed = _FIXED.get(code)
        if fixed is not None:
            (value,) = struct.unpack_from("<" + fixed[0], self.data, self.offset)
            self.offset += fixed[1]
            return bool(value) if code == "b" else value
        if code in "so":
            (length,) = struct.unpack_from("<I", self.data, self.offset)
            start = self.offset + 4
            self.offset = start + length + 1
            return self.data[start : start + length].decode("utf-8", "replace")
        if code == "g":
            length = self.data[self.offset]
            start = self.offset + 1
            self.offset = start + length + 1
            return self.data[start : start + length].decode("ascii")
        if code == "v":
            inner = self.read("g")
            return Variant(inner, self.read(inner))
        if code == "a":
            return self._array(signature[1:])
        if code == "(":
            return tuple(self.read(inner) for inner in split_signature(signature[1:-1]))
        raise ValueError(f"cannot unmarshal type {signature!r}")

    def _array(self, element: str) -> Any:
        (length,) = struct.unpack_from("<I", self.data, self.offset)
        self.offset += 4
        self.align(_ALIGN[element[0]])
        end = self.offset + length
        if end > len(self.data):
            raise ValueError("array runs past the message")
        if element[0] == "{":
            key, item = split_signature(element[1:-1])
            result: dict[Any, Any] = {}
            while self.offset < end:
                self.align(8)
                k = self.read(key)
                result[k] = self.read(item)
            return result
        items = []
        while self.offset < end:
            items.append(self.read(element))
        return items


class Message:
    """One D-Bus message: type, serial, header fields and body."""

    __slots__ = ("body", "fields", "flags", "serial", "type")

    def __init__(
        self,
        type: int,
        fields: dict[int, Any],
        body: Sequence[Any] = (),
        flags: int = 0,
        serial: int = 0,
    ) -> None:
        self.type = type
        self.fields = fields
        self.body = tuple(body)
        self.flags = flags
        self.serial = serial

    @property
    def signature(self) -> str:
        """The body's signature."""
        return str(self.fields.get(FIELD_SIGNATURE, ""))

    @property
    def path(self) -> str:
        """The object path (method calls and signals)."""
        return str(self.fields.get(FIELD_PATH, ""))

    @property
    def interface(self) -> str:
        """The interface name, if given."""
        return str(self.fields.get(FIELD_INTERFACE, ""))

    @property
    def member(self) -> str:
        """The method or signal name."""
        return str(self.fields.get(FIELD_MEMBER, ""))

    @property
    def sender(self) -> str:
        """The unique name of the sender (set by the bus)."""
        return str(self.fields.get(FIELD_SENDER, ""))

    @property
    def reply_serial(self) -> int:
        """The serial of the call this message answers (0 if none)."""
        return int(self.fields.get(FIELD_REPLY_SERIAL, 0))

    @property
    def error_name(self) -> str:
        """The error name of an error reply."""
        return str(self.fields.get(FIELD_ERROR_NAME, ""))

    def to_bytes(self) -> bytes:
        """The message on the wire."""
        body = _Writer()
        for inner, value in zip(split_signature(self.signature), self.body, strict=True):
            body.write(inner, value)
        header = _Writer()
        header.buffer.extend(b"l" + bytes((self.type, self.flags, 1)))
        header.buffer.extend(struct.pack("<II", len(body.buffer), self.serial))
        fields = [(code, Variant(_FIELD_TYPES[code], value)) for code, value in self.fields.items()]
        header.write("a(yv)", fields)
        header.pad(8)
        return bytes(header.buffer + body.buffer)


def parse_message(data: bytes) -> Message:
    """A Message from one complete wire message."""
    if data[:1] != b"l":
        raise ValueError("only little-endian messages are supported")
    kind, flags = data[1], data[2]
    body_length, serial = struct.unpack_from("<II", data, 4)
    reader = _Reader(data, 12)
    fields = {code: variant.value for code, variant in reader.read("a(yv)")}
    reader.align(8)
    if len(data) - reader.offset != body_length:
        raise ValueError("body length does not match the header")
    signature = str(fields.get(FIELD_SIGNATURE, ""))
    body = [reader.read(inner) for inner in split_signature(signature)]
    return Message(kind, fields, body, flags, serial)


def message_length(header: bytes) -> int:
    """Total length of a message from its first 16 bytes."""
    body_length, _, fields_length = struct.unpack_from("<III", header, 4)
    return 16 + fields_length + (-fields_length % 8) + body_length
