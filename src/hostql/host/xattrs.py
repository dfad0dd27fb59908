"""Extended attributes of files, and file capabilities as libcap prints them."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

CAPABILITY_ATTRIBUTE = "security.capability"


def _libcap() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("cap") or "libcap.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    lib.cap_get_file.restype = ctypes.c_void_p
    lib.cap_get_file.argtypes = [ctypes.c_char_p]
    lib.cap_to_text.restype = ctypes.c_void_p
    lib.cap_to_text.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.cap_free.argtypes = [ctypes.c_void_p]
    return lib


class ExtendedAttributes:
    """Reads the extended attributes of one host's files (following symlinks)."""

    _libcap: ctypes.CDLL | None = None
    _loaded = False

    def __init__(self, host: Host) -> None:
        self._host = host
        if not ExtendedAttributes._loaded:
            ExtendedAttributes._libcap, ExtendedAttributes._loaded = _libcap(), True

    def attributes(self, path: str) -> list[tuple[str, bytes]] | None:
        """(name, value) of each attribute of path; None if they cannot be listed."""
        real = self._host.path(path)
        try:
            names = os.listxattr(real)
        except OSError:
            return None
        found = []
        for name in names:
            try:
                found.append((name, os.getxattr(real, name)))
            except OSError:
                continue  # removed, or denied, between the listing and the read
        return found

    def capabilities(self, path: str) -> str | None:
        """path's capabilities as libcap prints them, "" if none, None if unreadable."""
        lib = self._libcap
        if lib is None:
            return None
        ctypes.set_errno(0)
        caps = lib.cap_get_file(os.fsencode(self._host.path(path)))
        if not caps:
            return "" if ctypes.get_errno() == errno.ENODATA else None
        try:
            text = lib.cap_to_text(caps, None)
        finally:
            lib.cap_free(caps)
        if not text:
            return None
        try:
            return (ctypes.string_at(text) or b"").decode("utf-8", "replace")
        finally:
            lib.cap_free(text)


def attach(host: Host) -> ExtendedAttributes:
    """The extended attribute reader of host."""
    return ExtendedAttributes(host)
