"""Files: stat, readlink, birth times, osquery's LIKE path globs, and cached hashing."""

from __future__ import annotations

import ctypes
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hostql.host.hashing import ALGORITHMS, HASH_CACHE, ReadLimitExceeded, hash_file

if TYPE_CHECKING:
    from hostql.host import Host

# osquery's kMaxRecursiveGlobs: a trailing %% expands at most this many levels deep.
MAX_RECURSIVE_DEPTH = 63

_STATX_BTIME = 0x800
_AT_FDCWD = -100
_AT_SYMLINK_NOFOLLOW = 0x100
_STATX_SIZE = 256
_STATX_BTIME_OFFSET = 80


# A path a glob matched: host path (directories end in '/'), OS path, scandir entry if any.
Found = tuple[str, str, "os.DirEntry[str] | None"]


@dataclass(slots=True)
class _Component:
    """One path component of a pattern: literal text, or a compiled matcher."""

    text: str
    matcher: re.Pattern[str] | None


def like_to_components(pattern: str) -> list[_Component]:
    """Split a LIKE path pattern into components; '%' and '_' are wildcards within one."""
    components = []
    for part in pattern.split("/"):
        if "%" not in part and "_" not in part:
            components.append(_Component(part, None))
            continue
        regex = "".join(
            "[^/]*" if ch == "%" else "[^/]" if ch == "_" else re.escape(ch) for ch in part
        )
        # glob(3) without GLOB_PERIOD: a wildcard never matches a leading dot.
        if part[0] in "%_":
            regex = r"(?!\.)" + regex
        components.append(_Component(part, re.compile(regex + r"\Z", re.DOTALL)))
    return components


def is_recursive(pattern: str) -> bool:
    """osquery's rule: a '%%' ending the pattern (one trailing character allowed) recurses."""
    wild = pattern.rfind("%%")
    return wild != -1 and wild + 3 >= len(pattern)


class Files:
    """Reader of the host's files."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._prefix = "" if host.live else str(host.root).rstrip("/")

    def real(self, path: str) -> str:
        """The OS path of a host path."""
        if not self._prefix:
            return path
        return self._prefix + (path if path.startswith("/") else "/" + path)

    # -- stat ---------------------------------------------------------------------------------

    def lstat(self, real: str, entry: os.DirEntry[str] | None = None) -> os.stat_result | None:
        """lstat of an OS path (reusing a scandir entry's cache), or None if it is gone."""
        try:
            if entry is not None:
                return entry.stat(follow_symlinks=False)
            return os.lstat(real)
        except OSError:  # vanished, denied, too many links: osquery skips the path
            return None

    def stat(self, real: str, entry: os.DirEntry[str] | None = None) -> os.stat_result | None:
        """stat (following links) of an OS path, or None when it cannot be followed."""
        try:
            if entry is not None:
                return entry.stat()
            return os.stat(real)
        except OSError:  # dangling link, loop or denied
            return None

    def readlink(self, real: str) -> str | None:
        """The raw target of a symlink, or None if it cannot be read."""
        try:
            return os.readlink(real)
        except OSError:  # replaced by a non-link mid-scan
            return None

    def birth_time(self, real: str) -> int:
        """Birth time in seconds from statx(2), following links; 0 where unsupported."""
        statx = _statx_function()
        if statx is None:
            return 0
        buffer = ctypes.create_string_buffer(_STATX_SIZE)
        name = os.fsencode(real)
        for flags in (0, _AT_SYMLINK_NOFOLLOW):
            if statx(_AT_FDCWD, name, flags, _STATX_BTIME, buffer) == 0:
                mask = int.from_bytes(buffer.raw[0:4], "little")
                if not mask & _STATX_BTIME:
                    return 0
                offset = _STATX_BTIME_OFFSET
                return int.from_bytes(buffer.raw[offset : offset + 8], "little", signed=True)
        return 0

    def is_readable_dir(self, real: str) -> bool:
        """Whether real is a directory this process may list."""
        return os.path.isdir(real) and os.access(real, os.R_OK)

    def is_dir(self, real: str) -> bool:
        """Whether real is (or links to) a directory."""
        return os.path.isdir(real)

    def is_regular(self, real: str, entry: os.DirEntry[str] | None = None) -> bool:
        """Whether real is (or links to) a regular file."""
        if entry is None:
            return os.path.isfile(real)
        try:
            return entry.is_file()
        except OSError:  # vanished mid-scan
            return False

    # -- listing and globs ----------------------------------------------------------------------

    def list_dir(self, directory: str) -> Iterator[Found]:
        """Every entry of a host directory (dot files included), paths joined as boost does."""
        # Not a directory, unreadable or gone: osquery skips it, and so does this.
        base = directory if directory.endswith("/") else directory + "/"
        try:
            with os.scandir(self.real(directory)) as entries:
                for entry in entries:
                    yield (base + entry.name, entry.path, entry)
        except OSError:
            return

    def expand(self, pattern: str, *, folders: bool = False) -> Iterator[Found]:
        """resolveFilePattern: '%' one level, a trailing '%%' all; dirs end in '/'."""
        # folders is osquery's GLOB_FOLDERS: only directories are reported.
        if not pattern.startswith("/"):
            if not self.host.live:
                return
            pattern = os.path.join(os.getcwd(), pattern)
        recursive = is_recursive(pattern)
        for found in self._glob(like_to_components(pattern)):
            is_dir = found[0].endswith("/")
            if is_dir or not folders:
                yield found
            if recursive and is_dir:
                yield from self._descend(found, folders)

    def _glob(self, components: list[_Component]) -> Iterator[Found]:
        """glob(3) of components split from an absolute pattern, marking directories '/'."""
        # A trailing '/' (an empty last component) means: directories only.
        dirs_only = len(components) > 1 and components[-1].text == ""
        if dirs_only:
            components = components[:-1]
        # The matches so far; the empty host path is the root itself.
        level: list[Found] = [("", self._prefix, None)]
        last = len(components) - 1
        for index in range(1, len(components)):
            following: list[Found] = []
            for parent in level:
                following.extend(self._match(parent, components[index], index == last))
            level = following
        for path, real, entry in level:
            if not path:
                path, real = "/", self._prefix or "/"
            if _entry_is_dir(entry) if entry is not None else os.path.isdir(real):
                yield (path if path.endswith("/") else path + "/", real, entry)
            elif not dirs_only:
                yield (path, real, entry)

    def _match(self, parent: Found, component: _Component, final: bool) -> Iterator[Found]:
        """The children of parent matching one component (intermediate ones must be dirs)."""
        parent_path, parent_real, _ = parent
        if component.matcher is None:
            path = parent_path + "/" + component.text
            real = parent_real + "/" + component.text
            if os.path.isdir(real) or (final and self.lstat(real) is not None):
                yield (path, real, None)
            return
        matcher = component.matcher.match
        try:
            with os.scandir(parent_real or "/") as entries:
                for entry in entries:
                    if matcher(entry.name) is None:
                        continue
                    if not final and not _entry_is_dir(entry):
                        continue
                    yield (parent_path + "/" + entry.name, entry.path, entry)
        except OSError:  # unreadable directory: glob(3) skips it
            return

    def _descend(self, top: Found, folders: bool) -> Iterator[Found]:
        """Everything below a matched directory, as repeated '/%' globs would list it."""
        top_path, top_real, _ = top
        top_stat = self.stat(top_real)
        if top_stat is None:
            return
        # Symlinked directories are followed as glob(3) does; descending into one of the
        # current ancestors would loop, so that is where the walk stops. Plain directories
        # are keyed by their parent's device and d_ino, saving a stat(2) each; a mount point
        # keyed so only lets a loop through it run one round longer.
        dev = top_stat.st_dev
        ancestors = self._ancestry(top_real) | {(dev, top_stat.st_ino)}
        stack: list[tuple[str, str, int, int, frozenset[tuple[int, int]]]] = [
            (top_real, top_path, 1, dev, ancestors)
        ]
        pop, push = stack.pop, stack.append
        while stack:
            real_dir, host_dir, depth, dev, ancestors = pop()
            try:
                with os.scandir(real_dir) as it:
                    entries = list(it)
            except OSError:  # unreadable directory: glob(3) skips it
                continue
            deeper = depth + 1 < MAX_RECURSIVE_DEPTH
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:  # vanished mid-scan
                    continue
                if not is_dir:
                    if not folders:
                        yield (host_dir + name, entry.path, entry)
                    continue
                path = host_dir + name + "/"
                yield (path, entry.path, entry)
                if not deeper:
                    continue
                if entry.is_symlink():
                    try:
                        st = entry.stat()
                    except OSError:  # vanished mid-scan
                        continue
                    key = (st.st_dev, st.st_ino)
                else:
                    key = (dev, entry.inode())
                if key in ancestors:
                    continue
                push((entry.path, path, depth + 1, key[0], ancestors | {key}))

    def _ancestry(self, real: str) -> frozenset[tuple[int, int]]:
        """(device, inode) of every directory above real, up to the host's root."""
        keys = set()
        top = self._prefix or "/"
        current = os.path.dirname(real.rstrip("/"))
        while current.startswith(top):
            st = self.stat(current)
            if st is not None:
                keys.add((st.st_dev, st.st_ino))
            if current == top:
                break
            current = os.path.dirname(current)
        return frozenset(keys)

    # -- hashing --------------------------------------------------------------------------------

    def digests(
        self,
        real: str,
        algorithms: Iterable[str],
        *,
        read_max: int,
        cache_max: int = 0,
        use_cache: bool = True,
    ) -> dict[str, str]:
        """Hex digests of a file (OSError if unreadable, ReadLimitExceeded past read_max)."""
        wanted = tuple(a for a in ALGORITHMS if a in set(algorithms))
        st = os.stat(real)
        cached = HASH_CACHE.lookup(real, st) if use_cache else {}
        missing = tuple(a for a in wanted if a not in cached)
        if missing:
            if st.st_size > read_max:
                raise ReadLimitExceeded(st.st_size)
            cached.update(hash_file(real, missing, read_max, st.st_size))
            if use_cache:
                HASH_CACHE.store(real, st, cached, cache_max)
        return {a: cached[a] for a in wanted}


def text_path(path: str) -> str:
    """A path as SQL text: bytes that are not UTF-8 (surrogate escapes) become U+FFFD."""
    if path.isascii():
        return path
    try:
        path.encode()
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return path


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # vanished mid-scan
        return False


@functools.cache
def _statx_function() -> Callable[..., int] | None:
    """libc's statx(2), looked up once; None where the C library lacks it."""
    try:
        function = ctypes.CDLL(None, use_errno=True).statx
    except (AttributeError, OSError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_void_p,
    ]
    function.restype = ctypes.c_int
    return function


def attach(host: Host) -> Files:
    """The file reader of host."""
    return Files(host)
