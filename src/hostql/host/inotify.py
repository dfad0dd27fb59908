"""inotify(7): the syscalls through ctypes, a pure parser of its records, and directory walks."""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import functools
import os
import select
import struct
from collections.abc import Callable, Iterator
from typing import NamedTuple

# <sys/inotify.h>
IN_ACCESS = 0x00000001
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_OPEN = 0x00000020
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_MASK_ADD = 0x20000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = os.O_CLOEXEC

_HEADER = struct.Struct("iIII")
HEADER_SIZE = _HEADER.size
# Room for many records per read: the kernel queue holds max_queued_events of them.
READ_SIZE = 1 << 20
MAX_USER_WATCHES = "/proc/sys/fs/inotify/max_user_watches"


class InotifyEvent(NamedTuple):
    """One struct inotify_event: watch descriptor, mask, cookie and entry name (bytes)."""

    wd: int
    mask: int
    cookie: int
    name: bytes


def parse_events(data: bytes | bytearray | memoryview) -> list[InotifyEvent]:
    """The records in a buffer read from an inotify fd (a truncated tail is ignored)."""
    events: list[InotifyEvent] = []
    unpack = _HEADER.unpack_from
    offset, end = 0, len(data)
    view = memoryview(data)
    while offset + HEADER_SIZE <= end:
        wd, mask, cookie, length = unpack(view, offset)
        start = offset + HEADER_SIZE
        if start + length > end:
            break
        name = bytes(view[start : start + length]).split(b"\0", 1)[0] if length else b""
        events.append(InotifyEvent(wd, mask, cookie, name))
        offset = start + length
    return events


def pack_event(wd: int, mask: int, cookie: int = 0, name: bytes = b"") -> bytes:
    """The kernel's encoding of one record (name NUL-padded to 4 bytes), for tests."""
    padded = name + b"\0" * (4 - len(name) % 4) if name else b""
    return _HEADER.pack(wd, mask, cookie, len(padded)) + padded


class WatchLimitError(OSError):
    """inotify_add_watch failed with ENOSPC: the max_user_watches limit is reached."""


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.inotify_init1.argtypes = [ctypes.c_int]
    libc.inotify_init1.restype = ctypes.c_int
    libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    libc.inotify_add_watch.restype = ctypes.c_int
    libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.inotify_rm_watch.restype = ctypes.c_int
    return libc


def _raise(path: str = "") -> None:
    code = ctypes.get_errno()
    if code == errno.ENOSPC:
        raise WatchLimitError(code, os.strerror(code), path)
    raise OSError(code, os.strerror(code), path or None)


class Inotify:
    """One inotify instance (non-blocking, close-on-exec)."""

    def __init__(self) -> None:
        fd = _libc().inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            _raise()
        self.fd = fd

    def add_watch(self, path: str, mask: int) -> int:
        """Watch path (a directory or file); the watch descriptor. WatchLimitError on ENOSPC."""
        wd = _libc().inotify_add_watch(self.fd, os.fsencode(path), mask)
        if wd < 0:
            _raise(path)
        return int(wd)

    def rm_watch(self, wd: int) -> None:
        """Remove a watch (one already gone is ignored)."""
        if _libc().inotify_rm_watch(self.fd, wd) < 0 and ctypes.get_errno() != errno.EINVAL:
            _raise()

    def wait(self, timeout: float) -> bool:
        """Whether records are ready within timeout seconds."""
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
        except InterruptedError:
            return False
        return bool(ready)

    def read(self, size: int = READ_SIZE) -> bytes:
        """Whatever records are queued (b'' if none)."""
        try:
            return os.read(self.fd, size)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        """Close the instance: the kernel drops every watch."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def max_user_watches() -> int:
    """The kernel's per-user watch limit (0 if unknown)."""
    try:
        with open(MAX_USER_WATCHES) as handle:
            return int(handle.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def is_directory(path: str) -> bool:
    """Whether path is a directory (symlinks followed, as osquery's isDirectory)."""
    return os.path.isdir(path)


def entries(directory: str) -> list[tuple[str, bool]]:
    """(name, is a directory without following links) of a directory's entries; [] if gone."""
    found: list[tuple[str, bool]] = []
    try:
        with os.scandir(directory) as scan:
            for entry in scan:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:  # vanished mid-scan
                    continue
                found.append((entry.name, is_dir))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    return found


def walk_directories(
    top: str, skip: Callable[[str], bool] | None = None, max_depth: int = 64
) -> Iterator[str]:
    """top and every directory below it, top-down (links not followed, loops avoided).

    A directory for which skip returns True is neither yielded nor descended into.
    """
    seen: set[tuple[int, int]] = set()
    pending = [(top, 0)]
    while pending:
        directory, depth = pending.pop()
        try:
            st = os.stat(directory)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen or (skip is not None and skip(directory)):
            continue
        seen.add(key)
        yield directory
        if depth >= max_depth:
            continue
        for name, is_dir in sorted(entries(directory), reverse=True):
            if is_dir:
                pending.append((os.path.join(directory, name), depth + 1))


def expand_directories(pattern: str) -> list[str]:
    """Existing directories matching an absolute glob pattern ('*', '?', '[...]'), sorted."""
    parts = [p for p in pattern.split("/") if p]
    found = ["/"]
    for part in parts:
        following: list[str] = []
        for base in found:
            if not _has_magic(part):
                candidate = os.path.join(base, part)
                if os.path.isdir(candidate):
                    following.append(candidate)
                continue
            for name, _ in entries(base):
                candidate = os.path.join(base, name)
                if fnmatch.fnmatchcase(name, part) and os.path.isdir(candidate):
                    following.append(candidate)
        found = following
    return sorted(found)


def _has_magic(part: str) -> bool:
    return any(c in part for c in "*?[")
