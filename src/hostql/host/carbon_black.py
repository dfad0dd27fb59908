"""Carbon Black (CB Response) Linux sensor: its id, settings and queue files under /var/lib/cb."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

CB_DIR = "/var/lib/cb/"
SENSOR_ID = "/var/lib/cb/sensor.id"
SETTINGS = "/var/lib/cb/sensorsettings.ini"


class IniError(ValueError):
    """An ini file boost's parser rejects (duplicate names, a line without '=')."""


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """boost::property_tree's ini grammar: [section], key=value, ';'/'#' comments."""
    sections: dict[str, dict[str, str]] = {"": {}}
    current = sections[""]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line[0] == "[":
            end = line.find("]")
            if end == -1:
                raise IniError(f"line {number}: unmatched '['")
            name = line[1:end].strip()
            if name in sections and name:
                raise IniError(f"line {number}: duplicate section name")
            current = sections.setdefault(name, {})
            continue
        key, equals, value = line.partition("=")
        if not equals:
            raise IniError(f"line {number}: '=' character not found in line")
        key = key.strip()
        if key in current:
            raise IniError(f"line {number}: duplicate key name")
        current[key] = value.strip()
    return sections


def osquery_integer(text: str) -> int | None:
    """An INTEGER cell as osquery reads its text: base auto-detected, else NULL."""
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    try:
        if digits.lower().startswith("0x"):
            return sign * int(digits[2:], 16)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits[1:], 8)
        return sign * int(digits, 10)
    except ValueError:
        return None


class CarbonBlack:
    """Reader of the sensor's files."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def installed(self) -> bool:
        """Whether any of the sensor's files exist."""
        return any(os.path.exists(self.host.path(p)) for p in (CB_DIR, SENSOR_ID, SETTINGS))

    def sensor_id(self) -> int | None:
        """The id in sensor.id: the hex after its 11th byte, in a file of exactly 16 bytes."""
        try:
            data = self.host.path(SENSOR_ID).read_bytes()
        except OSError:
            return None
        if len(data) != 16:
            return None
        text = data[11:].decode("latin-1").lstrip()
        digits = ""
        for char in text:
            if char not in "0123456789abcdefABCDEF":
                break
            digits += char
        return int(digits, 16) if digits else None

    def settings(self) -> dict[str, str] | None:
        """The [CB] section of sensorsettings.ini ({} without it); None if it is absent."""
        try:
            text = self.host.path(SETTINGS).read_text("utf-8", "replace")
        except OSError:
            return None
        return parse_ini(text).get("CB", {})

    def queue_sizes(self) -> tuple[int, int] | None:
        """(binary queue, event queue) bytes: filedata/metadata files and events* files."""
        top = self.host.path(CB_DIR)
        if not os.path.isdir(top):
            return None
        binary = events = 0
        for directory, _, files in os.walk(top):
            for name in files:
                if name not in ("filedata", "metadata") and name.rsplit(".", 1)[0] != "events":
                    continue
                try:
                    size = os.stat(os.path.join(directory, name)).st_size
                except OSError:
                    continue  # removed while the sensor drains its queue
                if name in ("filedata", "metadata"):
                    binary += size
                else:
                    events += size
        return binary, events


def attach(host: Host) -> CarbonBlack:
    """The Carbon Black reader of host."""
    return CarbonBlack(host)
