"""npm package trees: node_modules/*/package.json (and @scope/*) below a directory, nested."""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]

# osquery's kNodeModulesPath for POSIX, in its (sorted) order; * was osquery's %.
SITES = (
    "/Users/*/.npm-global/lib",
    "/Users/*/.nvm/versions/node/*/lib",
    "/home/*/.npm-global/lib",
    "/home/*/.nvm/versions/node/*/lib",
    "/opt/homebrew/lib",
    "/usr/lib",
    "/usr/local/lib",
)
DEFAULT_MAX_DEPTH = 100
TEXT_KEYS = ("name", "version", "description", "homepage")


class NpmPackage(NamedTuple):
    """One package.json found in a tree, with its nesting depth and table fields."""

    path: str
    depth: int
    fields: dict[str, str]


def package_fields(document: Any) -> dict[str, str]:
    """The npm_packages columns of a parsed package.json (osquery's rules for odd types)."""
    found: dict[str, str] = {}
    for key in TEXT_KEYS:
        if key in document:
            value = document[key]
            found[key] = value if isinstance(value, str) else ""
    author = document.get("author")
    if isinstance(author, str):
        found["author"] = author
    elif isinstance(author, dict) and "name" in author:
        found["author"] = author["name"] if isinstance(author["name"], str) else ""
    license_ = document.get("license")
    if isinstance(license_, str):
        found["license"] = license_
    elif isinstance(license_, dict) and isinstance(license_.get("url"), str):
        # The deprecated {"type": ..., "url": ...} form.
        found["license"] = license_["url"]
    return found


class NpmTrees:
    """Reader of node_modules trees under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._root = str(host.path("/")).rstrip("/")

    def _glob(self, pattern: str) -> list[str]:
        """Host paths matching an absolute pattern, sorted (dotted names never match)."""
        found = glob.glob(glob.escape(self._root) + pattern)
        return sorted(p[len(self._root) :] for p in found)

    def sites(self) -> list[str]:
        """The default search directories that exist, marked with '/' as osquery's glob does."""
        return sorted(
            {
                site + "/"
                for pattern in SITES
                for site in self._glob(pattern)
                if self.host.path(site).is_dir()
            }
        )

    def packages(self, site: str, max_depth: int, warn: Warn) -> Iterator[NpmPackage]:
        """Every package below site, depth first as osquery walks it (last found first)."""
        pending = [(site.rstrip("/") or "/", 0)]
        visited: set[tuple[int, int]] = set()
        while pending:
            directory, depth = pending.pop()
            try:
                status = os.lstat(self.host.path(directory))
            except OSError:
                status = None
            if status is not None:
                # A symlink loop (or a tree linked twice) is walked once.
                if (status.st_dev, status.st_ino) in visited:
                    continue
                visited.add((status.st_dev, status.st_ino))
            base = directory.rstrip("/")
            manifests = self._glob(f"{base}/node_modules/*/package.json")
            manifests += self._glob(f"{base}/node_modules/@*/*/package.json")
            for manifest in manifests:
                fields = self._read(manifest, warn)
                if fields is not None:
                    yield NpmPackage(manifest, depth, fields)
                if max_depth == -1 or depth < max_depth:
                    package_dir = manifest.rpartition("/")[0]
                    if self.host.path(f"{package_dir}/node_modules").is_dir():
                        pending.append((package_dir, depth + 1))

    def _read(self, manifest: str, warn: Warn) -> dict[str, str] | None:
        try:
            data = self.host.path(manifest).read_bytes()
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            warn(f"npm_packages: cannot read {manifest}: {exc.strerror}")
            return None
        try:
            document = json.loads(data.decode("utf-8-sig", "replace"))
        except ValueError as exc:
            warn(f"npm_packages: skipped {manifest}: {exc}")
            return None
        if not isinstance(document, dict):
            warn(f"npm_packages: skipped {manifest}: not a JSON object")
            return None
        return package_fields(document)


def attach(host: Host) -> NpmTrees:
    """The npm tree reader of host."""
    return NpmTrees(host)
