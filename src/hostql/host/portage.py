"""Portage's files: the installed-package database /var/db/pkg, world, and /etc/portage lists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

PKG_DB = "/var/db/pkg"
WORLD = "/var/lib/portage/world"
CONFIG = "/etc/portage"


class Installed(NamedTuple):
    """One /var/db/pkg/<category>/<package>-<version> directory."""

    path: str
    package: str
    version: str


def split_atom(atom: str) -> tuple[str, str]:
    """osquery's portageSplitPackageVersion: (category/name, operators + version)."""
    atom = atom.removesuffix("/")
    version = ""
    while atom[:1] in (">", "<", "="):
        # A leading '=' means "exactly this version" and is not kept.
        if version or atom[0] != "=":
            version += atom[0]
        atom = atom[1:]
    divider = atom.find("/")
    if divider < 0:
        return atom, version
    hyphen = atom.rfind("-")
    for _ in range(2):
        # The version starts at the last '-' followed by a digit; -r1 style revisions make it
        # the one before.
        if divider < hyphen < len(atom) - 1 and atom[hyphen + 1].isdigit():
            return atom[:hyphen], version + atom[hyphen + 1 :]
        if hyphen <= 0:
            break
        hyphen = atom.rfind("-", 0, hyphen)
    return atom, version


def config_lines(text: str) -> Iterator[list[str]]:
    """The whitespace-split, non-comment lines of a Portage list file."""
    for line in text.splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            yield fields


class Portage:
    """Reader of the host's Portage package database and configuration."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def _read(self, absolute: str) -> str:
        return self.host.path(absolute).read_bytes().decode("utf-8", "replace")

    def installed(self) -> list[Installed]:
        """The package directories of /var/db/pkg/*/*, sorted."""
        found = []
        try:
            categories = sorted(os.listdir(self.host.path(PKG_DB)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []
        for category in categories:
            try:
                entries = sorted(os.listdir(self.host.path(f"{PKG_DB}/{category}")))
            except (NotADirectoryError, FileNotFoundError, PermissionError):
                continue
            for entry in entries:
                path = f"{PKG_DB}/{category}/{entry}"
                if entry.startswith(".") or not self.host.path(path).is_dir():
                    continue
                package, version = split_atom(f"{category}/{entry}")
                found.append(Installed(path, package, version))
        return found

    def entry(self, package: Installed, name: str) -> str | None:
        """A file of a package's database directory, trimmed; None when absent."""
        try:
            return self._read(f"{package.path}/{name}").strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return None

    def world(self) -> set[str] | None:
        """The package names in the world file (slots dropped); None when there is none."""
        try:
            text = self._read(WORLD)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return None
        return {split_atom(fields[0].partition(":")[0])[0] for fields in config_lines(text)}

    def config(self, name: str) -> str:
        """/etc/portage/<name>: the file, or the files of the directory in Portage's order."""
        path = f"{CONFIG}/{name}"
        try:
            return self._read(path)
        except IsADirectoryError:
            pass
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return ""
        parts = []
        for file in self._tree(path):
            try:
                parts.append(self._read(file))
            except (FileNotFoundError, IsADirectoryError, PermissionError):
                continue
        return "\n".join(parts)

    def _tree(self, directory: str) -> Iterator[str]:
        # Portage reads a directory's files recursively in name order, skipping hidden and
        # backup (~) files.
        try:
            names = sorted(os.listdir(self.host.path(directory)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for name in names:
            if name.startswith(".") or name.endswith("~"):
                continue
            path = f"{directory}/{name}"
            if self.host.path(path).is_dir():
                yield from self._tree(path)
            else:
                yield path


def attach(host: Host) -> Portage:
    """The Portage reader of host."""
    return Portage(host)
