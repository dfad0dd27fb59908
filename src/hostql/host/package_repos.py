"""Package repository configuration: APT sources (one-line and deb822) and yum .repo files."""

from __future__ import annotations

import configparser
import fnmatch
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]

APT_SOURCES_LIST = "/etc/apt/sources.list"
APT_SOURCES_DIR = "/etc/apt/sources.list.d"
APT_LISTS = "/var/lib/apt/lists"
YUM_CONF = "/etc/yum.conf"
YUM_REPOS_DIR = "/etc/yum.repos.d"
YUM_KEYS = ("name", "baseurl", "mirrorlist", "metalink", "enabled", "gpgcheck", "gpgkey")
# apt's URItoFileName quotes these (and controls, space and non-ASCII) as %xx.
_APT_QUOTED = frozenset('\\|{}[]<>"^~_=!@#$%&*')
# apt's StringToBool words.
_APT_FALSE = frozenset({"no", "false", "without", "off", "disable"})
_APT_TRUE = frozenset({"yes", "true", "with", "on", "enable"})
# Release fields -> apt_sources columns.
RELEASE_FIELDS = {
    "Codename": "release",
    "Version": "version",
    "Origin": "maintainer",
    "Components": "components",
    "Architectures": "architectures",
}


class AptSource(NamedTuple):
    """One deb repository entry: its name, base URI and apt's list-file name prefix."""

    name: str
    base_uri: str
    cache_prefix: str


def apt_file_name(uri: str) -> str:
    """apt's URItoFileName: scheme and credentials dropped, odd bytes quoted, '/' -> '_'."""
    rest = uri.partition("://")[2]
    authority, slash, path = rest.partition("/")
    authority = authority.rpartition("@")[2]
    out = []
    for byte in (authority + slash + path).encode():
        char = chr(byte)
        if byte <= 0x20 or byte >= 0x7F or char in _APT_QUOTED:
            out.append(f"%{byte:02x}")
        else:
            out.append(char)
    return "".join(out).replace("/", "_")


def apt_source(uri: str, suite: str) -> AptSource | None:
    """The entry of one URI and suite (None when the URI has no scheme://host part)."""
    scheme_end = uri.find("://")
    uri = uri.rstrip("/")
    if scheme_end < 0 or len(uri) <= scheme_end + 3:
        return None
    if suite.endswith("/"):
        # A flat repository: the suite is a path below the URI.
        path = "/".join(p for p in suite.split("/") if p and p != ".")
        target = f"{uri}/{path}" if path else uri
    elif "/" in suite:
        target = f"{uri}/{suite}"
    else:
        target = f"{uri}/dists/{suite}"
    return AptSource(f"{uri[scheme_end + 3 :]} {suite}", uri, apt_file_name(target))


def parse_one_line(line: str) -> AptSource | None:
    """A one-line sources.list entry of type deb (None for deb-src, comments and junk)."""
    tokens = line.partition("#")[0].split()
    if len(tokens) < 3 or tokens[0] != "deb":
        return None
    index = 1
    if tokens[1].startswith("["):
        while index < len(tokens) and "]" not in tokens[index]:
            index += 1
        index += 1
    if index + 1 >= len(tokens):
        return None
    return apt_source(tokens[index], tokens[index + 1])


def deb822_stanzas(text: str) -> Iterator[dict[str, str]]:
    """The stanzas of a deb822 file: lower-cased keys, continuation lines joined by spaces."""
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                yield fields
            fields, key = {}, ""
        elif line[0] in " \t":
            if key:
                fields[key] = f"{fields[key]} {line.strip()}".strip()
        else:
            name, colon, value = line.partition(":")
            if colon:
                key = name.strip().lower()
                fields[key] = value.strip()
    if fields:
        yield fields


def parse_deb822(fields: dict[str, str]) -> list[AptSource] | str:
    """The deb entries of one deb822 stanza, or why it has none."""
    if "deb" not in fields.get("types", "").split():
        return "not a deb type"
    enabled = fields.get("enabled", "yes").lower()
    if enabled in _APT_FALSE:
        return []
    if enabled not in _APT_TRUE:
        return f"Enabled: {enabled!r} is not a boolean"
    uris = [u for u in fields.get("uris", "").split() if "://" in u]
    suites = fields.get("suites", "").split()
    if not uris or not suites:
        return "missing URIs or Suites"
    found = (apt_source(uri, suite) for uri in uris for suite in suites)
    return [entry for entry in found if entry is not None]


def parse_release(text: str) -> dict[str, str]:
    """The apt_sources fields of a Release/InRelease file (up to its signature)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line == "-----BEGIN PGP SIGNATURE-----":
            break
        name, colon, value = line.partition(":")
        column = RELEASE_FIELDS.get(name)
        if colon and column is not None and value.strip():
            found[column] = value.strip()
    return found


def parse_yum(text: str) -> tuple[list[tuple[str, dict[str, str]]], str | None]:
    """The sections of a yum ini file (continuation lines joined) and its [main] reposdir."""
    parser = configparser.RawConfigParser(
        delimiters=("=",), strict=False, default_section="\0", interpolation=None
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    sections = []
    for section in parser.sections():
        values = {k: " ".join(v.split("\n")).strip() for k, v in parser.items(section)}
        sections.append((section, values))
    main = dict(sections).get("main", {})
    return [s for s in sections if s[0] != "main"], main.get("reposdir")


class PackageRepos:
    """Reader of the host's APT and yum repository configuration."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def _read(self, absolute: str) -> str:
        return self.host.path(absolute).read_bytes().decode("utf-8", "replace")

    def _files(self, directory: str, suffix: str) -> list[str]:
        try:
            names = os.listdir(self.host.path(directory))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []
        return [
            f"{directory}/{name}"
            for name in sorted(names)
            if name.endswith(suffix) and self.host.path(f"{directory}/{name}").is_file()
        ]

    def apt_sources(self, warn: Warn) -> Iterator[tuple[str, AptSource]]:
        """(source file, entry) for every deb entry: sources.list, *.list, then *.sources."""
        one_line = self._files(APT_SOURCES_DIR, ".list")
        if self.host.path(APT_SOURCES_LIST).is_file():
            one_line.insert(0, APT_SOURCES_LIST)
        for source in one_line:
            try:
                text = self._read(source)
            except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
                warn(f"apt_sources: cannot read {source}: {exc.strerror}")
                continue
            for line in text.splitlines():
                entry = parse_one_line(line)
                if entry is not None:
                    yield source, entry
        for source in self._files(APT_SOURCES_DIR, ".sources"):
            try:
                text = self._read(source)
            except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
                warn(f"apt_sources: cannot read {source}: {exc.strerror}")
                continue
            for fields in deb822_stanzas(text):
                entries = parse_deb822(fields)
                if isinstance(entries, str):
                    if entries != "not a deb type":
                        warn(f"apt_sources: skipped a stanza of {source}: {entries}")
                    continue
                for entry in entries:
                    yield source, entry

    def apt_lists(self) -> list[str]:
        """The file names in apt's lists directory, sorted."""
        try:
            return sorted(os.listdir(self.host.path(APT_LISTS)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []

    def apt_release(self, entry: AptSource, lists: list[str]) -> dict[str, str] | None:
        """The fields of the entry's downloaded (In)Release file; None if apt has none."""
        pattern = f"{entry.cache_prefix}_*Release"
        for name in lists:
            if fnmatch.fnmatchcase(name, pattern):
                try:
                    return parse_release(self._read(f"{APT_LISTS}/{name}"))
                except (FileNotFoundError, PermissionError, IsADirectoryError):
                    return None
        return None

    def yum_repos(self, warn: Warn) -> Iterator[tuple[str, str, dict[str, str]]]:
        """(source file, section, values) of yum.conf's repos, then of each reposdir/*.repo."""
        reposdirs = [YUM_REPOS_DIR]
        parsed = self._yum_file(YUM_CONF, warn)
        if parsed is not None:
            sections, reposdir = parsed
            if reposdir:
                # yum takes a comma or space separated list of directories.
                reposdirs = [d for d in reposdir.replace(",", " ").split() if d.startswith("/")]
            for section, values in sections:
                yield YUM_CONF, section, values
        for directory in reposdirs:
            for source in self._files(directory.rstrip("/") or "/", ".repo"):
                parsed = self._yum_file(source, warn)
                for section, values in parsed[0] if parsed is not None else ():
                    yield source, section, values

    def _yum_file(
        self, source: str, warn: Warn
    ) -> tuple[list[tuple[str, dict[str, str]]], str | None] | None:
        try:
            text = self._read(source)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (PermissionError, IsADirectoryError) as exc:
            warn(f"yum_sources: cannot read {source}: {exc.strerror}")
            return None
        try:
            return parse_yum(text)
        except configparser.Error as exc:
            warn(f"yum_sources: skipped {source}: {exc.message.splitlines()[0]}")
            return None


def attach(host: Host) -> PackageRepos:
    """The repository configuration reader of host."""
    return PackageRepos(host)
