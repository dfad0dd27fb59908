"""The host layer: the only code that reads the OS, rooted so tests can use fixture trees.

`Host(root)` hands out readers by attribute: `host.procfs` imports `hostql.host.procfs` on
first use and calls its `attach(host)`; each reader module holds one OS interface.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any


class Host:
    """One host: a root path (``/`` for the live machine) and lazily attached readers."""

    def __init__(self, root: str | os.PathLike[str] = "/") -> None:
        self.root = Path(root)
        self.live = str(self.root) == "/"
        self._readers: dict[str, Any] = {}

    def path(self, absolute: str) -> Path:
        """The path inside this host's root of an absolute host path."""
        if self.live:
            return Path(absolute)
        return self.root / absolute.lstrip("/")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        readers = self.__dict__["_readers"]
        reader = readers.get(name)
        if reader is None:
            try:
                module = importlib.import_module(f"hostql.host.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"hostql.host.{name}":
                    raise
                raise AttributeError(f"no host reader named {name!r}") from None
            reader = readers[name] = module.attach(self)
        return reader

    def __repr__(self) -> str:
        return f"Host({str(self.root)!r})"
