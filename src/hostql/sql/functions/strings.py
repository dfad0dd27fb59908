"""osquery's string SQL functions: split, regex_split, regex_match, concat, concat_ws, inet_aton."""

from __future__ import annotations

import re
import socket
from functools import lru_cache

from hostql.errors import SqlError
from hostql.sql.functions.coercion import SqlValue, as_int32, c_bytes, c_text

REGEX_MAX_SIZE = 256
"""Default of osquery's --regex_max_size: the longest regex pattern accepted, in bytes."""

# The C locale's isspace(), which boost::trim and osquery's split use.
_C_WHITESPACE = " \t\n\v\f\r"


def _selected(pieces: list[str], index: SqlValue) -> str | None:
    # osquery casts sqlite3_value_int() to size_t, so a negative index is out of range.
    position = as_int32(index)
    if position < 0 or position >= len(pieces):
        return None
    return pieces[position]


def _decoded(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


@lru_cache(maxsize=256)
def _compiled(pattern: bytes) -> re.Pattern[bytes]:
    # std::regex matches std::string byte by byte, so patterns run over bytes here too.
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        raise SqlError("Invalid regex") from None


def split(value: SqlValue, tokens: SqlValue, index: SqlValue) -> str | None:
    """Piece `index` of the text split on any character of `tokens`, empty pieces dropped."""
    if value is None or tokens is None or index is None:
        return None
    text, delimiters = c_text(value), c_text(tokens)
    if not delimiters:
        raise SqlError("Invalid input to split function")
    pieces: list[str] = []
    current: list[str] = []
    for character in text:
        if character in delimiters:
            pieces.append("".join(current))
            current = []
        else:
            current.append(character)
    pieces.append("".join(current))
    # Empty pieces go before trimming, so a whitespace-only piece survives as "".
    return _selected([piece.strip(_C_WHITESPACE) for piece in pieces if piece], index)


def regex_split(
    value: SqlValue, pattern: SqlValue, index: SqlValue, max_size: int = REGEX_MAX_SIZE
) -> str | None:
    """Piece `index` of the text split on matches of the regex; empty pieces are kept."""
    if value is None or pattern is None or index is None:
        return None
    text, expression = c_bytes(value), c_bytes(pattern)
    if not expression:
        raise SqlError("Invalid input to split function")
    if len(expression) > max_size:
        raise SqlError("Invalid regex")
    pieces: list[str] = []
    start = 0
    for match in _compiled(expression).finditer(text):
        pieces.append(_decoded(text[start : match.start()]))
        start = match.end()
    # std::sregex_token_iterator yields the text after the last match only when non-empty.
    if start < len(text):
        pieces.append(_decoded(text[start:]))
    return _selected(pieces, index)


def regex_match(
    value: SqlValue, pattern: SqlValue, index: SqlValue, max_size: int = REGEX_MAX_SIZE
) -> str | None:
    """Group `index` (0 for the whole match) of the first regex match anywhere in the text."""
    if value is None or pattern is None or index is None:
        return None
    text, expression = c_bytes(value), c_bytes(pattern)
    if len(expression) > max_size:
        raise SqlError(f"Invalid regex: too big, max size is {max_size} bytes")
    match = _compiled(expression).search(text)
    if match is None:
        return None
    group = as_int32(index)
    if group < 0 or group > match.re.groups:
        return None
    # An unmatched std::sub_match reads as an empty string, not NULL.
    return _decoded(match.group(group) or b"")


def concat(*values: SqlValue) -> str | None:
    """The non-NULL arguments' text joined together; NULL when called without arguments."""
    if not values:
        return None
    return "".join(c_text(value) for value in values if value is not None)


def concat_ws(*values: SqlValue) -> str | None:
    """Non-NULL values joined, the separator following each one that is not the last argument."""
    if not values:
        raise SqlError("Missing separator to concat_ws")
    separator = "" if values[0] is None else c_text(values[0])
    arguments = values[1:]
    if not arguments:
        return None
    output: list[str] = []
    for position, value in enumerate(arguments, start=1):
        if value is None:
            continue
        output.append(c_text(value))
        # osquery checks position against the argument count, not the last non-NULL value.
        if position < len(arguments):
            output.append(separator)
    return "".join(output)


def inet_aton(value: SqlValue) -> int | None:
    """The integer of a dotted-quad IPv4 address; NULL for NULL, IPv6 or anything unparsable."""
    if value is None:
        return None
    address = c_text(value)
    if ":" in address:
        return None
    try:
        packed = socket.inet_pton(socket.AF_INET, address)
    except (OSError, UnicodeError, ValueError):
        return None
    return int.from_bytes(packed, "big")
