"""YARA (yara-python): compiling signatures, cached by file and mtime, and scanning files and
process memory."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

# Relative signature paths are relative to osquery's kYARAHome.
YARA_HOME = "/etc/osquery/yara/"
_CACHE_SIZE = 64
# yara.Rules: the package ships no type information.
Rules = Any


class YaraError(Exception):
    """yara-python is missing, or signatures did not compile, or a scan failed."""


class Match(NamedTuple):
    """A matching rule: its name, tags, and each matched string with its offset."""

    rule: str
    tags: tuple[str, ...]
    strings: tuple[tuple[str, int], ...]


def _yara() -> Any:
    try:
        import yara
    except ImportError:
        raise YaraError("yara-python is not installed") from None
    return yara


class _CompiledCache:
    """Compiled rules by the identity of their source files (path, mtime, size)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[tuple[str, int, int], ...], Rules] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[tuple[str, int, int], ...]) -> Rules | None:
        with self.lock:
            rules = self.entries.get(key)
            if rules is not None:
                self.entries.move_to_end(key)
            return rules

    def put(self, key: tuple[tuple[str, int, int], ...], rules: Rules) -> None:
        with self.lock:
            self.entries[key] = rules
            while len(self.entries) > _CACHE_SIZE:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


COMPILED = _CompiledCache()


def _matches(found: Sequence[Any]) -> list[Match]:
    result = []
    for match in found:
        strings = tuple(
            (string.identifier, instance.offset)
            for string in match.strings
            for instance in string.instances
        )
        result.append(Match(match.rule, tuple(match.tags), strings))
    return result


class Yara:
    """Compiles signatures from the host's files and scans the host's files and processes."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def signature_path(self, path: str) -> str:
        """A signature file's host path (relative ones live under /etc/osquery/yara/)."""
        return path if path.startswith("/") else YARA_HOME + path

    def readable(self, real: str) -> bool:
        """Whether this process may read an OS path (osquery's isReadable)."""
        return os.access(real, os.R_OK)

    def compile_files(self, paths: Sequence[str]) -> Rules:
        """Rules from signature files (a lone file may be precompiled), cached by file mtime."""
        yara = _yara()
        real = [str(self.host.path(self.signature_path(p))) for p in paths]
        try:
            key = tuple(
                (path, st.st_mtime_ns, st.st_size) for path, st in ((p, os.stat(p)) for p in real)
            )
        except OSError as exc:
            raise YaraError(f"Could not open file: {exc.filename}") from None
        rules = COMPILED.get(key)
        if rules is not None:
            return rules
        try:
            if len(real) == 1:
                try:
                    rules = yara.load(real[0])
                except yara.Error:
                    rules = yara.compile(filepath=real[0])
            else:
                rules = yara.compile(filepaths={str(i): p for i, p in enumerate(real)})
        except (yara.Error, OSError) as exc:
            raise YaraError(str(exc)) from None
        COMPILED.put(key, rules)
        return rules

    def compile_source(self, source: str) -> Rules:
        """Rules from signature text (never cached: osquery drops them after each query)."""
        yara = _yara()
        try:
            return yara.compile(source=source)
        except yara.Error as exc:
            raise YaraError(str(exc)) from None

    def scan_file(self, rules: Rules, path: str) -> list[Match]:
        """The rules a host file matches (YaraError when it cannot be scanned)."""
        yara = _yara()
        try:
            return _matches(rules.match(filepath=str(self.host.path(path)), fast=True))
        except yara.Error as exc:
            raise YaraError(str(exc)) from None

    def scan_process(self, rules: Rules, pid: int) -> list[Match]:
        """The rules a live process's memory matches (YaraError when it cannot be read)."""
        if not self.host.live:
            raise YaraError("process memory can only be scanned on the live host")
        yara = _yara()
        try:
            return _matches(rules.match(pid=pid, fast=True))
        except yara.Error as exc:
            raise YaraError(str(exc)) from None


def attach(host: Host) -> Yara:
    """The YARA scanner of host."""
    return Yara(host)
