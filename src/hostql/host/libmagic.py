"""libmagic (file(1)'s library) through ctypes: what a file's content looks like."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

MAGIC_NONE = 0x0000000
MAGIC_MIME_TYPE = 0x0000010
MAGIC_MIME_ENCODING = 0x0000400
DEFAULT_DATABASES = ("/usr/share/file/magic.mgc", "/usr/share/misc/magic.mgc")


def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("magic") or "libmagic.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.magic_open.restype = ctypes.c_void_p
    lib.magic_open.argtypes = [ctypes.c_int]
    lib.magic_close.argtypes = [ctypes.c_void_p]
    lib.magic_close.restype = None
    lib.magic_load.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.magic_file.restype = ctypes.c_char_p
    lib.magic_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.magic_setflags.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.magic_error.restype = ctypes.c_char_p
    lib.magic_error.argtypes = [ctypes.c_void_p]
    return lib


class MagicError(Exception):
    """libmagic could not be used (missing library, or no database would load)."""


class Cookie:
    """An open libmagic handle with its databases loaded; close it when done."""

    def __init__(self, lib: ctypes.CDLL, handle: int, host: Host) -> None:
        self._lib = lib
        self._handle = handle
        self._host = host

    def set_flags(self, flags: int) -> None:
        """Switch what file() reports (MAGIC_NONE, MAGIC_MIME_TYPE, MAGIC_MIME_ENCODING)."""
        self._lib.magic_setflags(self._handle, flags)

    def file(self, path: str) -> str | None:
        """libmagic's description of the file at path (a host path), under the current flags."""
        result = self._lib.magic_file(self._handle, bytes(self._host.path(path)))
        return None if result is None else result.decode("utf-8", "replace")

    def close(self) -> None:
        """Release the handle."""
        if self._handle:
            self._lib.magic_close(self._handle)
            self._handle = 0

    def __enter__(self) -> Cookie:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Magic:
    """Opens libmagic cookies whose databases are host paths."""

    _lib: ctypes.CDLL | None = None
    _loaded = False

    def __init__(self, host: Host) -> None:
        self._host = host
        if not Magic._loaded:
            Magic._lib, Magic._loaded = _library(), True

    def open(self, databases: list[str]) -> Cookie:
        """A cookie with the first loadable of databases loaded (MagicError if none is)."""
        lib = self._lib
        if lib is None:
            raise MagicError("Unable to initialize magic library")
        handle = lib.magic_open(MAGIC_NONE)
        if not handle:
            raise MagicError("Unable to initialize magic library")
        listed = ":".join(str(self._host.path(d)) for d in databases)
        if lib.magic_load(handle, listed.encode()) != 0:
            reason = (lib.magic_error(handle) or b"").decode("utf-8", "replace")
            lib.magic_close(handle)
            raise MagicError(reason)
        return Cookie(lib, handle, self._host)


def attach(host: Host) -> Magic:
    """The libmagic reader of host."""
    return Magic(host)
