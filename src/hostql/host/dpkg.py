"""The dpkg database: the status file (plus its updates journal) and info/*.list file lists."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]

ADMINDIR = "/var/lib/dpkg"
# Only the fields the tables report are matched; a blank line (lookahead, so the next field
# keeps its newline) closes a stanza.
_FIELD = re.compile(
    r"\n(?:(?=\n)|(Package|Status|Priority|Section|Installed-Size|Maintainer|Architecture"
    r"|Multi-Arch|Source|Version):[ \t]*([^\n]*))"
)
# dpkg writes the fields it knows in one fixed order (lib/dpkg/parse.c), so one match per
# stanza reads the fields the tables need; a "Package:" line whose stanza does not continue in
# that order up to a later known field matches with an empty name, and parse_status then
# reads the text field by field with _FIELD instead.
_CANONICAL = re.compile(
    r"\nPackage:(?: ([^\n]*)\n(?:Essential: [^\n]*\n)?(?:Protected: [^\n]*\n)?"
    r"Status: ([^\n]*)\n(?:Priority: ([^\n]*)\n)?(?:Section: ([^\n]*)\n)?"
    r"(?:Installed-Size: ([^\n]*)\n)?(?:Origin: [^\n]*\n)?(?:Maintainer: ([^\n]*)\n)?"
    r"(?:Bugs: [^\n]*\n)?(?:Architecture: ([^\n]*)\n)?(?:Multi-Arch: ([^\n]*)\n)?"
    r"(?:Source: ([^\n]*)\n)?(?:Version: ([^\n]*)\n)?"
    r"(?=\n|\Z|(?:Config-Version|Replaces|Provides|Depends|Pre-Depends|Recommends|Suggests"
    r"|Breaks|Conflicts|Enhances|Conffiles|Filename|Size|MD5sum|MSDOS-Filename|Description"
    r"|Triggers-Pending|Triggers-Awaited):))?"
)
_WANTS = frozenset({"unknown", "install", "hold", "deinstall", "purge"})
_EFLAGS = frozenset({"ok", "reinstreq"})
_STATES = frozenset(
    {
        "config-files",
        "half-installed",
        "unpacked",
        "half-configured",
        "triggers-awaited",
        "triggers-pending",
        "installed",
    }
)
# The fields of the general parser, in _package's argument order.
_FIELD_ORDER = (
    "Package",
    "Status",
    "Priority",
    "Section",
    "Installed-Size",
    "Maintainer",
    "Architecture",
    "Multi-Arch",
    "Source",
    "Version",
)
# libdpkg's priority names; a value outside them is kept as written ("other" priority).
_PRIORITIES = {p: p for p in ("required", "important", "standard", "optional", "extra")}


class DebPackage(NamedTuple):
    """One installed (or config-files) package as libdpkg describes it."""

    name: str
    version: str
    source: str
    size: int | None
    arch: str
    revision: str
    status: str
    maintainer: str
    section: str
    priority: str
    # Multi-Arch: same packages keep their info files as <name>:<arch>.*
    arch_qualified: bool


def describe_version(text: str) -> tuple[str, str]:
    """versiondescribe(vdew_nonambig) of a Version field, and its Debian revision."""
    if not text:
        return "<none>", ""
    _, hyphen, revision = text.rpartition("-")
    if not hyphen or ":" in revision:
        revision = ""
    epoch, colon, rest = text.partition(":")
    # A zero epoch is dropped unless the rest needs it to stay unambiguous.
    if colon and epoch.isdigit() and int(epoch) == 0 and ":" not in rest:
        return rest, revision
    return text, revision


def parse_status(text: str, warn: Warn | None = None) -> dict[tuple[str, str], DebPackage | None]:
    """The packages of a status (or updates) file by (name, arch); None for not-installed."""
    text = "\n" + text
    found: dict[tuple[str, str], DebPackage | None] = {}
    if text.endswith("\n") and "\r" not in text:
        matches = _CANONICAL.findall(text)
        if all(fields[0] for fields in matches):
            for fields in matches:
                package = _package(*fields, warn=warn)
                if package is not None:
                    found[package.name, package.arch] = package
                elif fields[1].endswith(" not-installed"):
                    found[fields[0], fields[6]] = None
            return found
    fields: dict[str, str] = {}
    for key, value in _FIELD.findall(text + "\n\n"):
        if key:
            fields[key] = value.rstrip()
            continue
        if not fields:
            continue
        values = [fields.get(k, "") for k in _FIELD_ORDER]
        package = _package(*values, warn=warn, complete="Status" in fields)
        fields = {}
        if package is not None:
            found[package.name, package.arch] = package
        elif values[1].endswith(" not-installed"):
            found[values[0], values[6]] = None
    return found


def _package(
    name: str,
    status: str,
    priority: str,
    section: str,
    size: str,
    maintainer: str,
    arch: str,
    multiarch: str,
    source: str,
    version: str,
    *,
    warn: Warn | None,
    complete: bool = True,
) -> DebPackage | None:
    if status != "install ok installed" or not name or not complete:
        parts = status.split()
        if not name or not complete or len(parts) != 3:
            if warn is not None:
                warn(f"dpkg status: skipped a stanza without Package/Status ({name or '?'})")
            return None
        want, eflag, state = parts
        if state == "not-installed":
            return None
        if want not in _WANTS or eflag not in _EFLAGS or state not in _STATES:
            if warn is not None:
                warn(f"dpkg status: skipped {name}: bad Status {status!r}")
            return None
        status = f"{want} {eflag} {state}"
    version, revision = describe_version(version)
    return DebPackage(
        name,
        version,
        source,
        int(size) if size.isdigit() else None,
        arch or "<none>",
        revision,
        status,
        maintainer,
        section,
        _PRIORITIES.get(priority) or _priority(priority),
        multiarch == "same",
    )


def _priority(text: str) -> str:
    """libdpkg's priority name: known names case-folded, "unknown" when absent."""
    return _PRIORITIES.get(text.lower(), text) if text else "unknown"


class Dpkg:
    """Reader of dpkg admin directories under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host
        # admindir -> (signature of status and updates/, packages, warnings while parsing)
        self._parsed: dict[str, tuple[tuple[int, ...], list[DebPackage], list[str]]] = {}

    def _read(self, absolute: str) -> str:
        return self.host.path(absolute).read_bytes().decode("utf-8", "replace")

    def _signature(self, admindir: str) -> tuple[int, ...]:
        # dpkg replaces status by rename and adds/removes journal files, so inode, size and
        # mtimes change whenever the database does.
        status = os.stat(self.host.path(f"{admindir}/status"))
        try:
            updates = os.stat(self.host.path(f"{admindir}/updates")).st_mtime_ns
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            updates = -1
        return (status.st_ino, status.st_size, status.st_mtime_ns, updates)

    def packages(self, admindir: str = ADMINDIR, warn: Warn | None = None) -> list[DebPackage]:
        """libdpkg's package array: status plus the updates journal, sorted by name and arch.

        The parse is kept until the status file or the updates journal changes.
        """
        signature = self._signature(admindir)
        cached = self._parsed.get(admindir)
        if cached is None or cached[0] != signature:
            problems: list[str] = []
            cached = (signature, self._parse(admindir, problems.append), problems)
            self._parsed[admindir] = cached
        if warn is not None:
            for problem in cached[2]:
                warn(problem)
        return cached[1]

    def _parse(self, admindir: str, warn: Warn) -> list[DebPackage]:
        found = parse_status(self._read(f"{admindir}/status"), warn)
        try:
            journal = sorted(
                entry.name
                for entry in self.host.path(f"{admindir}/updates").iterdir()
                if entry.name.isdigit()
            )
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            journal = []
        for name in journal:
            # A pending update replaces the whole stanza of its package, as modstatdb_open does.
            try:
                found.update(parse_status(self._read(f"{admindir}/updates/{name}"), warn))
            except (FileNotFoundError, PermissionError):
                continue
        return [package for key, package in sorted(found.items()) if package is not None]

    def list_file(self, package: DebPackage, admindir: str = ADMINDIR) -> str | None:
        """The text of a package's info/*.list file (name:arch.list for Multi-Arch: same)."""
        name = f"{package.name}:{package.arch}" if package.arch_qualified else package.name
        try:
            return self._read(f"{admindir}/info/{name}.list")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return None


def attach(host: Host) -> Dpkg:
    """The dpkg reader of host."""
    return Dpkg(host)
