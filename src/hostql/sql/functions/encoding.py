"""osquery's base64 SQL functions: to_base64, from_base64 and conditional_to_base64."""

from __future__ import annotations

import base64
import binascii
import re

from hostql.sql.functions.coercion import SqlValue, text_bytes

_BASE64_ALPHABET = re.compile(rb"[A-Za-z0-9+/]*")


def _as_result(data: bytes) -> str | bytes:
    # osquery returns raw bytes as TEXT; bytes that are not UTF-8 can only survive as a BLOB.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _is_printable(data: bytes) -> bool:
    return all(0x20 <= byte <= 0x7E for byte in data)


def encode_base64(data: bytes) -> str:
    """Standard padded base64 of the bytes."""
    return base64.b64encode(data).decode("ascii")


def decode_base64(encoded: bytes) -> bytes:
    """Bytes of base64 text as osquery's boost decoder yields them; b"" when invalid."""
    encoded = encoded.replace(b"\r\n", b"").replace(b"\n", b"").rstrip(b"=")
    if not _BASE64_ALPHABET.fullmatch(encoded):
        return b""
    # Boost's decoder drops a partial last byte but fails when a lone sextet is left over.
    if len(encoded) % 4 == 1:
        return b""
    try:
        return base64.b64decode(encoded + b"=" * (-len(encoded) % 4))
    except binascii.Error:
        return b""


def to_base64(value: SqlValue) -> str | None:
    """Base64 of the value's text; NULL stays NULL."""
    if value is None:
        return None
    return encode_base64(text_bytes(value))


def from_base64(value: SqlValue) -> str | bytes | None:
    """The decoded text, "" when the input is not base64; NULL stays NULL."""
    if value is None:
        return None
    return _as_result(decode_base64(text_bytes(value)))


def conditional_to_base64(value: SqlValue) -> str | None:
    """The text unchanged when every byte is printable ASCII, otherwise its base64."""
    if value is None:
        return None
    data = text_bytes(value)
    if _is_printable(data):
        return data.decode("ascii")
    return encode_base64(data)
