"""Line parsers for /etc files: protocols, services, resolv.conf, shadow, sudoers and crontabs."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

CRONTAB = "/etc/crontab"
# osquery's kCronSearchDirs, in its order.
CRON_DIRS = ("/etc/cron.d/", "/var/at/tabs/", "/var/spool/cron/", "/var/spool/cron/crontabs/")
SUDOERS = "/etc/sudoers"
# sudoers(5): no more than 128 files may be nested.
SUDOERS_MAX_NEST = 128
_SUDO_SPACE = "\t\v "
_C_SPACE = " \t\n\v\f\r"
_HASH_ALG = re.compile(r"\$(\w+)\$")
_NUMBER = re.compile(r"\s*([+-]?)(\d*)")
_RESOLV_KEYWORD = re.compile(r"(nameserver|domain|search|sortlist|options)[ \t]")
# glibc resolver limits (resolv.h) and option bits.
MAXNS = 3
MAXDNSRCH = 6
MAXRESOLVSORT = 10
RES_INIT = 0x1
RES_DEFAULT = 0x2C0
_RES_OPTIONS = {
    "debug": 0x2,
    "use-vc": 0x8,
    "inet6": 0,
    "rotate": 0x4000,
    "edns0": 0x100000,
    "single-request": 0x200000,
    "single-request-reopen": 0x400000,
    "no-tld-query": 0x1000000,
    "no-reload": 0x2000000,
    "trust-ad": 0x4000000,
    "no-aaaa": 0x8000000,
}


def split_fields(text: str, delims: str = "\t ") -> list[str]:
    """osquery's split(): cut at any delimiter, drop empty pieces, then trim each piece."""
    pieces = re.split(f"[{re.escape(delims)}]", text)
    # osquery drops empty pieces before trimming, so whitespace-only pieces stay as "".
    return [p.strip(_C_SPACE) for p in pieces if p]


def listed_files(host: Host, directory: str) -> list[str]:
    """Host paths osquery's listFilesInDirectory gives: glob '*', no dot files, no directories."""
    base = directory if directory.endswith("/") else directory + "/"
    try:
        names = os.listdir(host.path(base))
    except OSError:
        return []
    found = []
    for name in sorted(names):
        if name.startswith("."):
            continue
        if os.path.isdir(host.path(base + name)):
            continue
        found.append(base + name)
    return found


@dataclass(slots=True)
class Resolver:
    """The resolver state glibc's res_init() builds from /etc/resolv.conf."""

    nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    sortlist: list[tuple[str, int]] = field(default_factory=list)
    options: int = RES_INIT | RES_DEFAULT


class EtcFiles:
    """Reader of the host's /etc text files."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def read(self, path: str) -> str:
        """The text of a host file (undecodable bytes replaced)."""
        return self.host.path(path).read_bytes().decode("utf-8", "replace")

    def _entries(self, path: str) -> Iterator[tuple[list[str], str | None]]:
        """(fields, comment) of each entry line of a services/protocols-style file."""
        try:
            text = self.read(path)
        except OSError:
            return
        for line in split_fields(text, "\n"):
            if not line or line.startswith("#"):
                continue
            parts = split_fields(line, "#")
            fields = split_fields(parts[0])
            if len(fields) >= 2:
                yield fields, " # ".join(parts[1:]) if len(parts) > 1 else None

    def protocols(self) -> Iterator[dict[str, object]]:
        """Rows of /etc/protocols as osquery parses it."""
        for fields, comment in self._entries("/etc/protocols"):
            row: dict[str, object] = {"name": fields[0], "number": fields[1]}
            if len(fields) > 2:
                row["alias"] = fields[2]
            if comment is not None:
                row["comment"] = comment
            yield row

    def services(self) -> Iterator[dict[str, object]]:
        """Rows of /etc/services as osquery parses it."""
        for fields, comment in self._entries("/etc/services"):
            port_protocol = split_fields(fields[1], "/")
            if len(port_protocol) != 2:
                continue
            row: dict[str, object] = {
                "name": fields[0],
                "port": port_protocol[0],
                "protocol": port_protocol[1],
                "aliases": " ".join(fields[2:]),
            }
            if comment is not None:
                row["comment"] = comment
            yield row

    def resolver(self) -> Resolver:
        """What res_init() would hold: nameservers (IPv6 ones as ''), search, sortlist, options."""
        state = Resolver()
        try:
            text = self.read("/etc/resolv.conf")
        except OSError:
            text = ""
        search: list[str] | None = None
        for raw in text.splitlines():
            # glibc matches a keyword only at the very start of a line, followed by a blank.
            matched = _RESOLV_KEYWORD.match(raw)
            if matched is None:
                continue
            keyword, args = matched.group(1), raw.split()[1:]
            if keyword == "nameserver" and args and len(state.nameservers) < MAXNS:
                address = _nameserver(args[0])
                if address is not None:
                    state.nameservers.append(address)
            elif keyword == "domain" and args:
                search = [args[0]]
            elif keyword == "search" and args:
                search = args[:MAXDNSRCH]
            elif keyword == "sortlist":
                for entry in args:
                    if len(state.sortlist) < MAXRESOLVSORT:
                        sort = _sort_entry(entry)
                        if sort is not None:
                            state.sortlist.append(sort)
            elif keyword == "options":
                for option in args:
                    state.options |= _RES_OPTIONS.get(option, 0)
        if search is None:
            search = self._hostname_domain()
        state.search = search
        return state

    def _hostname_domain(self) -> list[str]:
        # glibc's default search domain: the host name after its first dot.
        if self.host.live:
            name = socket.gethostname()
        else:
            try:
                name = self.read("/etc/hostname").strip()
            except OSError:
                name = ""
        _, dot, domain = name.partition(".")
        return [domain] if dot and domain else []

    def shadow(self, usernames: set[str] | None = None) -> Iterator[dict[str, object]]:
        """Entries of /etc/shadow parsed as glibc does (first entry per name when filtered)."""
        text = self.read("/etc/shadow")
        wanted = None if usernames is None else set(usernames)
        for raw in text.split("\n"):
            line = raw.lstrip()
            if not line or line.startswith("#"):
                continue
            entry = _shadow_entry(line)
            if entry is None:
                continue
            if wanted is not None:
                if entry["username"] not in wanted:
                    continue
                wanted.discard(str(entry["username"]))
            yield entry

    def sudoers(self) -> Iterator[tuple[str, str, str]]:
        """(source, header, rule_details) for each sudoers rule, following includes."""
        if not os.access(self.host.path(SUDOERS), os.R_OK):
            return
        rules: list[list[str]] = []
        self._sudoers_file(SUDOERS, 1, rules)
        yield from ((source, header, details) for source, header, details in rules)

    def _sudoers_file(self, filename: str, level: int, rules: list[list[str]]) -> None:
        if level > SUDOERS_MAX_NEST:
            return
        try:
            text = self.read(filename)
        except OSError:
            return
        long_line = False
        for line in split_fields(text, "\n"):
            line = line.strip(_SUDO_SPACE)
            if not line:
                continue
            if long_line:
                long_line = line.endswith("\\")
                last = rules[-1]
                # osquery drops the trailing backslash and joins without a space.
                if not last[2]:
                    last[1] = last[1][:-1]
                else:
                    last[2] = last[2][:-1]
                last[2] += line
                continue
            cut = _find_any(line, _SUDO_SPACE)
            header = line[:cut].strip(_SUDO_SPACE)
            include = header in ("#include", "@include")
            includedir = header in ("#includedir", "@includedir")
            if line[0] == "#" and not include and not includedir:
                continue
            details = line[cut:].strip(_SUDO_SPACE) if cut < len(line) else ""
            if not details and (include or includedir):
                continue
            if not include and not includedir and line.endswith("\\"):
                long_line = True
            rules.append([filename, header, details])
            if includedir or include:
                target = details
                if not target.startswith("/"):
                    target = os.path.join(os.path.dirname(filename), target)
                if include:
                    level += 1
                    self._sudoers_file(target, level, rules)
                    continue
                for path in listed_files(self.host, target):
                    base = path.rsplit("/", 1)[-1]
                    # sudoers(5): included files containing '.' or ending in '~' are ignored.
                    if not base or "." in base or base.endswith("~"):
                        continue
                    level += 1
                    self._sudoers_file(path, level, rules)

    def crontab_files(self) -> list[str]:
        """osquery's crontab file list: /etc/crontab, then the files of each cron directory."""
        files = [CRONTAB]
        for directory in CRON_DIRS:
            files.extend(listed_files(self.host, directory))
        return files

    def cron_lines(self, path: str) -> list[str]:
        """The non-blank, non-comment lines of a crontab (empty when unreadable)."""
        try:
            text = self.read(path)
        except OSError:
            return []
        return [line for line in split_fields(text, "\n") if line and line[0] != "#"]


def cron_entry(line: str) -> dict[str, str] | None:
    """One crontab line as osquery splits it, or None when it has no command (a variable)."""
    entry: dict[str, str] = {}
    index = 0
    for token in split_fields(line, " \t"):
        if index == 0:
            if token.startswith("@"):
                entry["event"] = token
                index = 5
                continue
            entry["minute"] = token
        elif index < 5:
            entry[("hour", "day_of_month", "month", "day_of_week")[index - 1]] = token
        elif index == 5:
            entry["command"] = token
        else:
            entry["command"] += " " + token
        index += 1
    return entry if entry.get("command") else None


def _find_any(text: str, chars: str) -> int:
    for i, ch in enumerate(text):
        if ch in chars:
            return i
    return len(text)


def _nameserver(text: str) -> str | None:
    address, _, _ = text.partition("%")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    # glibc keeps IPv6 servers outside nsaddr_list, so osquery prints them as ''.
    return str(parsed) if parsed.version == 4 else ""


def _sort_entry(text: str) -> tuple[str, int] | None:
    address, _, mask = text.partition("/")
    try:
        net = socket.inet_aton(address)
    except OSError:
        return None
    if mask:
        try:
            mask_bytes = socket.inet_aton(mask)
        except OSError:
            mask_bytes = _class_mask(net)
    else:
        mask_bytes = _class_mask(net)
    # osquery prints the mask's in-memory (network order) bytes as a host-order integer.
    return socket.inet_ntoa(net), int.from_bytes(mask_bytes, "little")


def _class_mask(address: bytes) -> bytes:
    first = address[0]
    if first < 128:
        return b"\xff\x00\x00\x00"
    if first < 192:
        return b"\xff\xff\x00\x00"
    return b"\xff\xff\xff\x00"


def _shadow_entry(line: str) -> dict[str, object] | None:
    name, sep, rest = line.partition(":")
    password, _, rest = rest.partition(":") if sep else ("", "", "")
    values: list[int | None] = []
    position = 0
    for index in range(7):
        if index == 3 and not rest[position:].strip():
            # The old three-number form: the rest defaults.
            values += [-1, -1, -1, None]
            break
        if index == 6 and position >= len(rest):
            values.append(None)
            break
        if position >= len(rest):
            return None
        match = _NUMBER.match(rest, position)
        assert match is not None
        digits = match.group(2)
        end = match.end() if digits else position
        if digits:
            number = -int(digits) if match.group(1) == "-" else int(digits)
            # flag is unsigned: osquery cannot cast a wrapped negative to BIGINT (NULL).
            values.append(None if index == 6 and number < 0 else number)
        else:
            values.append(None if index == 6 else -1)
        if end < len(rest) and rest[end] == ":":
            end += 1
        elif end < len(rest):
            return None
        position = end
    row: dict[str, object] = dict(
        zip(
            ("last_change", "min", "max", "warning", "inactive", "expire", "flag"),
            values,
            strict=True,
        )
    )
    row["username"] = name
    if password == "!!":
        row["password_status"] = "not_set"
    elif password[:1] in ("!", "*", "x"):
        row["password_status"] = "locked"
    elif not password:
        row["password_status"] = "empty"
    else:
        row["password_status"] = "active"
    match = _HASH_ALG.match(password)
    if match:
        row["hash_alg"] = match.group(1)
    return row


def attach(host: Host) -> EtcFiles:
    """The /etc file reader of host."""
    return EtcFiles(host)
