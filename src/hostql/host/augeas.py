"""Augeas: configuration files parsed by libaugeas's lenses (ctypes to libaugeas.so.0)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

# augeas.h's enum aug_flags.
AUG_NO_STDINC = 1 << 3
AUG_SAVE_NOOP = 1 << 4
AUG_NO_LOAD = 1 << 5
AUG_NO_ERR_CLOSE = 1 << 8
AUG_NOERROR = 0
_FLAGS = AUG_NO_ERR_CLOSE | AUG_NO_LOAD | AUG_NO_STDINC | AUG_SAVE_NOOP
_FILES = "/files"


class AugeasError(Exception):
    """libaugeas is missing, could not start, or rejected an expression."""


class Node(NamedTuple):
    """One matched tree node: its path, value, label and the file it came from."""

    node: str
    value: str
    label: str
    path: str


@functools.cache
def _library() -> ctypes.CDLL:
    """libaugeas with the prototypes used here (AugeasError when it is not installed)."""
    name = ctypes.util.find_library("augeas") or "libaugeas.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise AugeasError(f"libaugeas is not installed: {exc}") from None
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    lib.aug_init.argtypes = [text, text, ctypes.c_uint]
    lib.aug_init.restype = handle
    lib.aug_close.argtypes = [handle]
    lib.aug_close.restype = None
    lib.aug_load.argtypes = [handle]
    lib.aug_load.restype = ctypes.c_int
    lib.aug_error.argtypes = [handle]
    lib.aug_error.restype = ctypes.c_int
    lib.aug_error_message.argtypes = [handle]
    lib.aug_error_message.restype = text
    lib.aug_defvar.argtypes = [handle, text, text]
    lib.aug_defvar.restype = ctypes.c_int
    lib.aug_match.argtypes = [handle, text, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))]
    lib.aug_match.restype = ctypes.c_int
    out = ctypes.POINTER(ctypes.c_char_p)
    lib.aug_ns_attr.argtypes = [
        handle,
        text,
        ctypes.c_int,
        out,
        out,
        ctypes.POINTER(ctypes.c_void_p),
    ]
    lib.aug_ns_attr.restype = ctypes.c_int
    if hasattr(lib, "aug_load_file"):
        lib.aug_load_file.argtypes = [handle, text]
        lib.aug_load_file.restype = ctypes.c_int
    return lib


@functools.cache
def _free() -> Callable[..., None]:
    """libc's free(), for the strings libaugeas hands over."""
    function = ctypes.CDLL(None).free
    function.argtypes = [ctypes.c_void_p]
    function.restype = None
    return function


def _text(raw: bytes | None) -> str:
    return "" if raw is None else raw.decode("utf-8", "replace")


class Tree:
    """One libaugeas handle over a root, loading files on demand (not thread safe: locked)."""

    def __init__(self, root: str | None, lenses: str) -> None:
        self.aug: int | None = None
        self.lib = _library()
        self.lock = threading.Lock()
        self.aug = self.lib.aug_init(
            None if root is None else os.fsencode(root), os.fsencode(lenses), _FLAGS
        )
        if not self.aug:
            raise AugeasError("An error has occurred while trying to initialize augeas")
        if self.lib.aug_error(self.aug) != AUG_NOERROR:
            message = _text(self.lib.aug_error_message(self.aug))
            self.lib.aug_close(self.aug)
            self.aug = None
            raise AugeasError(f"An error has occurred while trying to initialize augeas: {message}")

    def close(self) -> None:
        """Release the handle."""
        if self.aug:
            self.lib.aug_close(self.aug)
            self.aug = None

    def __del__(self) -> None:
        self.close()

    def load(self, files: Iterable[str] | None = None) -> None:
        """(Re)load every file the lenses cover, or only the given files when possible."""
        with self.lock:
            wanted = None if files is None else list(files)
            if wanted is not None and hasattr(self.lib, "aug_load_file"):
                for path in wanted:
                    self.lib.aug_load_file(self.aug, os.fsencode(path))
                return
            self.lib.aug_load(self.aug)

    def match(self, pattern: str) -> Iterator[Node]:
        """The nodes a path expression matches, with osquery's file path rule."""
        with self.lock:
            nodes = self._match(pattern)
        yield from nodes

    def _match(self, pattern: str) -> list[Node]:
        lib, aug = self.lib, self.aug
        if lib.aug_defvar(aug, b"matches", pattern.encode()) == -1:
            raise AugeasError(self._error())
        matches = ctypes.POINTER(ctypes.c_void_p)()
        count = lib.aug_match(aug, b"$matches", ctypes.byref(matches))
        if not matches:
            return []
        found: list[Node] = []
        try:
            if count < 0:
                raise AugeasError(self._error())
            for index in range(count):
                pointer = matches[index]
                if not pointer:
                    continue
                node = _text(ctypes.string_at(pointer))
                value, label = ctypes.c_char_p(), ctypes.c_char_p()
                file_path = ctypes.c_void_p()
                if lib.aug_ns_attr(
                    aug, b"matches", index, ctypes.byref(value), ctypes.byref(label),
                    ctypes.byref(file_path),
                ) == -1:  # fmt: skip
                    raise AugeasError(self._error())
                if file_path.value:
                    path = _text(ctypes.string_at(file_path.value))[len(_FILES) :]
                    _free()(file_path.value)
                else:
                    # A folder node: its path is the node's own.
                    path = node[len(_FILES) :]
                found.append(Node(node, _text(value.value), _text(label.value), path))
        finally:
            for index in range(max(count, 0)):
                if matches[index]:
                    _free()(matches[index])
            _free()(ctypes.cast(matches, ctypes.c_void_p))
        return found

    def _error(self) -> str:
        return _text(self.lib.aug_error_message(self.aug))


class Augeas:
    """The host's augeas trees, one per lens directory, kept between queries as osquery does."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._trees: dict[str, Tree] = {}

    def tree(self, lenses: str) -> Tree:
        """The tree over the host's root using the lenses in a directory."""
        tree = self._trees.get(lenses)
        if tree is None:
            root = None if self.host.live else str(self.host.root)
            tree = self._trees[lenses] = Tree(root, lenses)
        return tree

    def is_file(self, path: str) -> bool:
        """Whether a host path is a regular file (loadable on its own)."""
        return os.path.isfile(self.host.path(path))


def attach(host: Host) -> Augeas:
    """The augeas reader of host."""
    return Augeas(host)
