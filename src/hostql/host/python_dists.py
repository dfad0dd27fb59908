"""Installed Python distributions: *.dist-info and *.egg-info entries of site directories."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]

# osquery's kPythonPath (the Linux-relevant ones; % is a glob *).
SYSTEM_SITES = (
    "/opt/homebrew/lib/python*/dist-packages",
    "/opt/homebrew/lib/python*/site-packages",
    "/usr/lib/python*/dist-packages",
    "/usr/lib/python*/site-packages",
    "/usr/local/lib/python*/dist-packages",
    "/usr/local/lib/python*/site-packages",
    "/usr/local/lib64/python*/site-packages",
)
# Per-user sites below the home directory: pip --user, then pyenv's versions.
USER_SITES = (".local/lib/python*/site-packages",)
PYENV_VERSIONS = ".pyenv/versions"
METADATA_FIELDS = {"Name": "name", "Version": "version", "Summary": "summary",
                   "Author": "author", "License": "license"}  # fmt: skip
_CHUNK = 8192


class Distribution(NamedTuple):
    """One installed distribution: its metadata directory (or file) and header fields."""

    path: str
    fields: dict[str, str]


def parse_metadata(text: str) -> dict[str, str]:
    """The columns of a METADATA/PKG-INFO header block (first value of each field)."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line:
            break  # the description body follows the first blank line
        if line[0] in " \t":
            continue  # continuation of a multi-line field (e.g. a License text)
        name, colon, value = line.partition(":")
        column = METADATA_FIELDS.get(name)
        if colon and column is not None and column not in found:
            found[column] = value.strip()
    return found


class PythonDists:
    """Reader of Python site directories under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def _glob(self, pattern: str) -> list[str]:
        """Host paths matching an absolute pattern, sorted, each marked with a trailing '/'."""
        root = str(self.host.path("/")).rstrip("/")
        found = glob.glob(glob.escape(root) + pattern)
        # osquery's globbing marks directories with a trailing slash.
        return sorted(p[len(root) :] + "/" for p in found if os.path.isdir(p))

    def system_sites(self) -> list[str]:
        """The system site directories osquery scans that exist."""
        return sorted({site for pattern in SYSTEM_SITES for site in self._glob(pattern)})

    def user_sites(self, home: str) -> list[str]:
        """A user's pip --user sites and pyenv versions' site-packages."""
        home = home.rstrip("/")
        sites = [site for pattern in USER_SITES for site in self._glob(f"{home}/{pattern}")]
        versions = f"{home}/{PYENV_VERSIONS}"
        try:
            names = sorted(os.listdir(self.host.path(versions)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            names = []
        for name in names:
            # osquery skips versions that are symlinks (pyenv aliases of another version).
            if not os.path.islink(self.host.path(f"{versions}/{name}")):
                sites += self._glob(f"{versions}/{name}/lib/python*/site-packages")
        return sites

    def distributions(self, site: str, warn: Warn) -> Iterator[Distribution]:
        """The distributions directly in a site directory, in name order."""
        base = site.rstrip("/") or ""
        try:
            names = sorted(os.listdir(self.host.path(site)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for name in names:
            if name.endswith(".dist-info"):
                metadata = f"{base}/{name}/METADATA"
            elif name.endswith(".egg-info"):
                path = f"{base}/{name}"
                is_dir = self.host.path(path).is_dir()
                # Debian installs some egg-info as a single PKG-INFO file.
                metadata = f"{path}/PKG-INFO" if is_dir else path
            else:
                continue
            try:
                text = self._header(metadata)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
                warn(f"python_packages: no readable metadata in {base}/{name}")
                continue
            fields = parse_metadata(text)
            if "name" not in fields:
                warn(f"python_packages: no Name in {metadata}")
                continue
            yield Distribution(f"{base}/{name}", fields)

    def _header(self, absolute: str) -> str:
        """The start of a metadata file up to its first blank line (the header block)."""
        chunks = []
        with open(self.host.path(absolute), "rb") as handle:
            while True:
                chunk = handle.read(_CHUNK)
                chunks.append(chunk)
                if not chunk or b"\n\n" in chunk or b"\n\r\n" in chunk:
                    break
        return b"".join(chunks).decode("utf-8", "replace")


def attach(host: Host) -> PythonDists:
    """The Python distribution reader of host."""
    return PythonDists(host)
