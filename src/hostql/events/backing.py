"""What the event store needs of a backing store and a status log, and an in-memory store."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol


class KeyValueStore(Protocol):
    """What the event store needs of the daemon's BackingStore."""

    def get(self, domain: str, key: str) -> str | None: ...

    def put_many(
        self, domain: str, items: Mapping[str, str] | Iterable[tuple[str, str]]
    ) -> None: ...

    def delete(self, domain: str, *keys: str) -> None: ...

    def scan(self, domain: str, prefix: str = "") -> Iterator[tuple[str, str]]: ...


class StatusSink(Protocol):
    """Where status lines go (the daemon's StatusLog, or the shell's warnings)."""

    def info(self, message: str, *, verbose: bool = False) -> None: ...

    def warning(self, message: str) -> None: ...

    def error(self, message: str) -> None: ...


class MemoryStore:
    """An in-memory KeyValueStore for the shell when it has no database."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get(self, domain: str, key: str) -> str | None:
        """The value at domain/key, or None."""
        return self._data.get((domain, key))

    def put_many(self, domain: str, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Set several keys."""
        pairs = items.items() if isinstance(items, Mapping) else items
        with self._lock:
            for key, value in pairs:
                self._data[(domain, key)] = value

    def delete(self, domain: str, *keys: str) -> None:
        """Remove keys."""
        with self._lock:
            for key in keys:
                self._data.pop((domain, key), None)

    def scan(self, domain: str, prefix: str = "") -> Iterator[tuple[str, str]]:
        """(key, value) pairs of a domain whose key starts with prefix, in key order."""
        with self._lock:
            found = [
                (k, v) for (d, k), v in self._data.items() if d == domain and k.startswith(prefix)
            ]
        return iter(sorted(found))
