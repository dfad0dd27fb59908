"""Set-user-ID and set-group-ID files under osquery's fixed binary directories."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

# osquery's kBinarySearchPaths, in its order.
SEARCH_PATHS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
                "/tmp")  # fmt: skip
_SETID = stat.S_ISUID | stat.S_ISGID


class SetidFile(NamedTuple):
    """One set-id regular file: its host path, owner ids and mode."""

    path: str
    uid: int
    gid: int
    mode: int


class Setid:
    """Walker of the host's binary directories for set-id files."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def files(self, roots: tuple[str, ...] = SEARCH_PATHS) -> Iterator[SetidFile]:
        """Set-id regular files (symlinks followed) under each root, depth first, in readdir
        order; a root that is a symlink is walked through; deeper directory links are not."""
        for root in roots:
            real = str(self.host.path(root))
            if os.path.exists(real):
                yield from self._walk(root, real)

    def _walk(self, directory: str, real: str) -> Iterator[SetidFile]:
        try:
            entries = os.scandir(real)
        except OSError:
            return  # unreadable directory: skipped, the rest of the walk goes on
        with entries:
            for entry in entries:
                # d_type answers for directories without a stat; links to them are not walked.
                if entry.is_dir(follow_symlinks=False):
                    yield from self._walk(f"{directory}/{entry.name}", entry.path)
                    continue
                try:
                    info = entry.stat()
                except OSError:
                    continue  # dangling symlink, or the file went away mid-walk
                if info.st_mode & _SETID and stat.S_ISREG(info.st_mode):
                    path = f"{directory}/{entry.name}"
                    yield SetidFile(path, info.st_uid, info.st_gid, info.st_mode)


def attach(host: Host) -> Setid:
    """The set-id file walker of host."""
    return Setid(host)
