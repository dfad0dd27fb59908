"""osquery's log formats: result lines (event, batch, snapshot) and status lines, byte for byte."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from hostql.schema import Row

SEVERITY_LETTERS = "IWEF"
NULL_TEXT = ""

# Control characters whose \u escape has a hex letter, which Python writes in lower case.
_LOWER_HEX_CONTROL = re.compile("[\x0b\x0e\x0f\x1a-\x1f]")
_ESCAPED_BACKSLASH_OR_CONTROL = re.compile(r"\\(\\|u00[01][0-9a-f])")
_UNESCAPED_CELL = re.compile("[\x00-\x1f\ud800-\udfff]")


def calendar_time(unix_time: int) -> str:
    """UTC asctime() plus " UTC", as osquery's calendarTime: 'Mon May  2 22:27:32 2016 UTC'."""
    return time.asctime(time.gmtime(unix_time)) + " UTC"


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return f"\\x{code:02X}"
    if 0xDC80 <= code <= 0xDCFF:
        # An undecodable byte carried by surrogateescape: the original byte.
        return f"\\x{code - 0xDC00:02X}"
    return "".join(f"\\x{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def escape_cell(text: str | bytes) -> str:
    """A string cell as osquery stores and logs it: control and invalid UTF-8 bytes as \\xHH."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    if text.isascii() and text.isprintable():
        return text
    return _UNESCAPED_CELL.sub(_escape_char, text)


def escape_row(row: Mapping[str, Any], nullvalue: str = NULL_TEXT) -> Row:
    """A result row ready to diff: strings and blobs escaped, NULL as --nullvalue (osquery)."""
    escaped: Row = {}
    for column, value in row.items():
        if isinstance(value, str | bytes):
            escaped[column] = escape_cell(value)
        elif value is None:
            escaped[column] = nullvalue
        else:
            escaped[column] = value
    return escaped


def _upper_hex(match: re.Match[str]) -> str:
    escape = match.group(1)
    return match.group() if escape == "\\" else "\\u" + escape[1:].upper()


def json_string(text: str) -> str:
    """A JSON string as rapidjson writes it: UTF-8 kept, '/' bare, \\u00XX in upper case."""
    encoded = json.encoder.encode_basestring(text)
    if _LOWER_HEX_CONTROL.search(text):
        encoded = _ESCAPED_BACKSLASH_OR_CONTROL.sub(_upper_hex, encoded)
    return encoded


@lru_cache(maxsize=4096)
def _json_key(name: str) -> str:
    return json_string(name)


def cast_double(value: float) -> str:
    """A REAL cell as text, as osquery's castVariant: boost::lexical_cast ("%.17g") plus ".0"."""
    if math.isnan(value):
        text = "-nan" if math.copysign(1.0, value) < 0 else "nan"
    else:
        text = f"{value:.17g}"
    return text if "." in text else text + ".0"


def json_double(value: float) -> str:
    """A REAL as rapidjson's Writer::Double writes it (shortest digits, "1.0", "1e21")."""
    if not math.isfinite(value):
        # rapidjson refuses NaN and infinities (the line would be cut short); keep them as text.
        return json_string(cast_double(value))
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    if fraction == "0":
        fraction = ""
    digits = (whole + fraction).lstrip("0")
    power = (int(exponent) if exponent else 0) - len(fraction)
    trimmed = digits.rstrip("0")
    power += len(digits) - len(trimmed)
    digits = trimmed
    length = len(digits)
    point = length + power  # 10^(point-1) <= value < 10^point
    if power >= 0 and point <= 21:
        text = digits + "0" * power + ".0"
    elif 0 < point <= 21:
        text = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    elif length == 1:
        text = f"{digits}e{point - 1}"
    else:
        text = f"{digits[0]}.{digits[1:]}e{point - 1}"
    return sign + text


def json_cell(value: Any, numerics: bool) -> str:
    """One row value: a JSON string, or with --logger_numerics integers and reals as numbers."""
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value) if numerics else f'"{value}"'
    if isinstance(value, float):
        return json_double(value) if numerics else '"' + cast_double(value) + '"'
    if value is None:
        return json_string(NULL_TEXT)
    if isinstance(value, bytes):
        return json_string(escape_cell(value))
    return json_string(str(value))


def row_json(row: Mapping[str, Any], numerics: bool) -> str:
    """A row object with its keys in byte order (osquery's rows are std::maps)."""
    return (
        "{"
        + ",".join(
            _json_key(column) + ":" + json_cell(row[column], numerics) for column in sorted(row)
        )
        + "}"
    )


def _rows_json(rows: Iterable[Mapping[str, Any]], numerics: bool) -> str:
    return "[" + ",".join(row_json(row, numerics) for row in rows) + "]"


class _Members:
    """A JSON object's members in order, with osquery's JSON::add replacement rule."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def put(self, key: str, encoded: str) -> None:
        # rapidjson's RemoveMember moves the last member into the freed slot, then the
        # new member is appended: a replaced key lands at the end and order shifts.
        items = self.items
        for index, (name, _) in enumerate(items):
            if name == key:
                last = items.pop()
                if index < len(items):
                    items[index] = last
                break
        items.append((key, encoded))

    def copy(self) -> _Members:
        twin = _Members()
        twin.items = list(self.items)
        return twin

    def keys(self) -> set[str]:
        return {name for name, _ in self.items}

    def render(self) -> str:
        return "{" + ",".join(_json_key(name) + ":" + value for name, value in self.items) + "}"


@dataclass(frozen=True, slots=True)
class ResultMeta:
    """What a result line says about its query run, besides the rows."""

    name: str
    host_identifier: str
    unix_time: int
    epoch: int = 0
    counter: int = 0
    numerics: bool = False
    decorations: Mapping[str, str] = field(default_factory=dict)
    decorations_top_level: bool = False

    @property
    def calendar_time(self) -> str:
        """The run's time as calendarTime."""
        return calendar_time(self.unix_time)


def _decorate(members: _Members, decorations: Mapping[str, str], top_level: bool) -> None:
    if not decorations:
        return
    # osquery keeps decorations in a std::map: sorted by name.
    names = sorted(decorations)
    if top_level:
        for name in names:
            members.put(name, json_string(decorations[name]))
        return
    nested = ",".join(_json_key(name) + ":" + json_string(decorations[name]) for name in names)
    members.put("decorations", "{" + nested + "}")


def _add_legacy_fields(members: _Members, meta: ResultMeta) -> None:
    members.put("name", json_string(meta.name))
    members.put("hostIdentifier", json_string(meta.host_identifier))
    members.put("calendarTime", json_string(meta.calendar_time))
    members.put("unixTime", str(meta.unix_time))
    members.put("epoch", str(meta.epoch))
    members.put("counter", str(meta.counter))
    members.put("numerics", "true" if meta.numerics else "false")
    _decorate(members, meta.decorations, meta.decorations_top_level)


def _event_lines(meta: ResultMeta, actions: Sequence[tuple[str, Sequence[Row]]]) -> list[str]:
    header = _Members()
    _add_legacy_fields(header, meta)
    lines: list[str] = []
    if header.keys().isdisjoint({"columns", "action"}):
        prefix = header.render()[:-1] + ',"columns":'
        for action, rows in actions:
            suffix = ',"action":' + json_string(action) + "}"
            lines.extend(prefix + row_json(row, meta.numerics) + suffix for row in rows)
        return lines
    # A top-level decoration named "columns" or "action" is replaced like any member.
    for action, rows in actions:
        for row in rows:
            members = header.copy()
            members.put("columns", row_json(row, meta.numerics))
            members.put("action", json_string(action))
            lines.append(members.render())
    return lines


def result_event_lines(meta: ResultMeta, added: Sequence[Row], removed: Sequence[Row]) -> list[str]:
    """Event format (--logger_event_type): one line per row, removed rows before added."""
    return _event_lines(meta, (("removed", removed), ("added", added)))


def result_batch_line(meta: ResultMeta, added: Sequence[Row], removed: Sequence[Row]) -> str:
    """Batch format: one diffResults line; both lists are always present, even when empty."""
    members = _Members()
    diff = (
        '{"removed":'
        + _rows_json(removed, meta.numerics)
        + ',"added":'
        + _rows_json(added, meta.numerics)
        + "}"
    )
    members.put("diffResults", diff)
    _add_legacy_fields(members, meta)
    return members.render()


def snapshot_lines(meta: ResultMeta, rows: Sequence[Row], as_events: bool) -> list[str]:
    """A snapshot: one "snapshot" line, or (--logger_snapshot_event_type) one line per row."""
    if as_events:
        return _event_lines(meta, (("snapshot", rows),))
    members = _Members()
    members.put("snapshot", _rows_json(rows, meta.numerics))
    members.put("action", '"snapshot"')
    _add_legacy_fields(members, meta)
    return [members.render()]


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One status log: severity 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL, and where it came from."""

    severity: int
    filename: str
    line: int
    message: str
    unix_time: int
    host_identifier: str = ""
    version: str = ""

    @property
    def calendar_time(self) -> str:
        """The entry's time as calendarTime."""
        return calendar_time(self.unix_time)


def status_json(
    entry: StatusEntry, decorations: Mapping[str, str], *, top_level: bool = False
) -> str:
    """A status line for buffered loggers (tls and the like), as osquery's BufferedLogForwarder."""
    members = _Members()
    members.put("hostIdentifier", json_string(entry.host_identifier))
    members.put("calendarTime", json_string(entry.calendar_time))
    members.put("unixTime", str(entry.unix_time))
    members.put("severity", str(entry.severity))
    members.put("filename", json_string(entry.filename))
    members.put("line", str(entry.line))
    members.put("message", json_string(entry.message))
    members.put("version", json_string(entry.version))
    _decorate(members, decorations, top_level)
    return members.render()


def status_glog(entry: StatusEntry, thread_id: int, micros: int, *, utc: bool = False) -> str:
    """A glog line with osquery's prefix: 'I0930 17:37:30.123456  4242 file.cpp:102] message'."""
    # glog stamps local time unless --log_utc_time, which osquery leaves off.
    moment = time.gmtime(entry.unix_time) if utc else time.localtime(entry.unix_time)
    letter = SEVERITY_LETTERS[min(max(entry.severity, 0), 3)]
    return (
        f"{letter}{moment.tm_mon:02d}{moment.tm_mday:02d} "
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}.{micros:06d} "
        f"{thread_id:>5} {entry.filename}:{entry.line}] {entry.message}"
    )


def status_plain(entry: StatusEntry) -> str:
    """A status line as the stdout and syslog loggers write it."""
    return (
        f"severity={entry.severity} location={entry.filename}:{entry.line} message={entry.message}"
    )
