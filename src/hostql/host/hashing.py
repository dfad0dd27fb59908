"""File hashing: md5/sha1/sha256 in one pass under read_max, and the process-wide digest cache."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

HASH_BLOCK = 1 << 20
ALGORITHMS = ("md5", "sha1", "sha256")


class ReadLimitExceeded(Exception):
    """A file is larger than the read_max flag allows."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class HashCache:
    """Process-wide LRU of file digests, valid while (inode, size, mtime) stay the same."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[tuple[int, int, int], dict[str, str]]]
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, path: str, st: os.stat_result) -> dict[str, str]:
        """The digests cached for path if the file did not change since (else empty)."""
        with self._lock:
            cached = self._entries.get(path)
            if cached is None or cached[0] != _identity(st):
                return {}
            self._entries.move_to_end(path)
            return dict(cached[1])

    def store(self, path: str, st: os.stat_result, digests: dict[str, str], limit: int) -> None:
        """Remember digests for path, evicting the least recently used beyond limit."""
        with self._lock:
            if limit <= 0:
                self._entries.clear()
                return
            self._entries[path] = (_identity(st), dict(digests))
            self._entries.move_to_end(path)
            while len(self._entries) > limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every cached digest."""
        with self._lock:
            self._entries.clear()


def _identity(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


HASH_CACHE = HashCache()


def hash_file(
    real: str, algorithms: tuple[str, ...], read_max: int, size_hint: int = 0
) -> dict[str, str]:
    """Digests of a file in one pass of 1 MiB reads into a reused buffer."""
    hashers = [hashlib.new(a) for a in algorithms]
    updates = [h.update for h in hashers]
    # hashlib drops the GIL on large updates: several digests of a big file run in parallel.
    pool = _hash_pool() if len(updates) > 1 and size_hint >= _PARALLEL_MIN else None
    buffer = bytearray(HASH_BLOCK)
    view = memoryview(buffer)
    total = 0
    with open(real, "rb", buffering=0) as handle:
        # Advice only: some filesystems refuse it.
        with contextlib.suppress(OSError):
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        readinto = handle.readinto
        while True:
            count = readinto(buffer)
            if not count:
                break
            total += count
            # The file may grow while it is read; osquery checks the running total too.
            if total > read_max:
                raise ReadLimitExceeded(total)
            chunk = view if count == HASH_BLOCK else view[:count]
            if pool is None:
                for update in updates:
                    update(chunk)
            else:
                pending = [pool.submit(update, chunk) for update in updates[1:]]
                updates[0](chunk)
                for future in pending:
                    future.result()
    return {a: h.hexdigest() for a, h in zip(algorithms, hashers, strict=True)}


_PARALLEL_MIN = 8 * HASH_BLOCK


@functools.cache
def _hash_pool() -> ThreadPoolExecutor | None:
    """Two helper threads for multi-digest hashing, made on first use; None on one CPU."""
    if len(os.sched_getaffinity(0)) < 2:
        return None
    return ThreadPoolExecutor(2, thread_name_prefix="hostql-hash")
