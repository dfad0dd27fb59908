"""Per-process memory maps, descriptor open modes, FIFOs and resource limits under /proc."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

# /proc/<pid>/limits names -> the rlimit names osquery's ulimit_info uses.
LIMIT_NAMES = {
    "Max cpu time": "cpu",
    "Max file size": "fsize",
    "Max data size": "data",
    "Max stack size": "stack",
    "Max core file size": "core",
    "Max resident set": "rss",
    "Max processes": "nproc",
    "Max open files": "nofile",
    "Max locked memory": "memlock",
    "Max address space": "as",
    "Max file locks": "locks",
    "Max pending signals": "sigpending",
    "Max msgqueue size": "msgqueue",
    "Max nice priority": "nice",
    "Max realtime priority": "rtprio",
}
_READ_BITS = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def parse_limits(text: str) -> dict[str, tuple[str, str]]:
    """rlimit name -> (soft, hard) from /proc/<pid>/limits ('unlimited' kept as text)."""
    found: dict[str, tuple[str, str]] = {}
    for line in text.splitlines()[1:]:
        # The kernel prints "%-25s %-20s %-20s %-10s": the name may hold single spaces.
        name = LIMIT_NAMES.get(line[:25].strip())
        values = line[25:].split()
        if name is not None and len(values) >= 2:
            found[name] = (values[0], values[1])
    return found


class ProcessMaps:
    """Reader of per-process memory maps, descriptor modes and limits."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.base = str(host.path("/proc"))
        self.prefix = "" if host.live else str(host.path("/")).rstrip("/")

    def maps(self, pid: int | str) -> str:
        """The text of /proc/<pid>/maps."""
        fd = os.open(f"{self.base}/{pid}/maps", os.O_RDONLY)
        try:
            chunks = []
            while chunk := os.read(fd, 262_144):
                chunks.append(chunk)
        finally:
            os.close(fd)
        return b"".join(chunks).decode("utf-8", "replace")

    def fd_mode(self, pid: int, fd: int) -> str:
        """'r', 'w' or 'rw' from the permission bits of the /proc/<pid>/fd link; '-' if gone."""
        try:
            mode = os.lstat(f"{self.base}/{pid}/fd/{fd}").st_mode
        except OSError:
            return "-"
        return ("r" if mode & _READ_BITS else "") + ("w" if mode & _WRITE_BITS else "")

    def fifo_inode(self, path: str) -> int | None:
        """The inode of the FIFO at an absolute host path, None if it is no FIFO (or gone)."""
        try:
            info = os.stat(self.prefix + path)
        except (OSError, ValueError):
            return None
        return info.st_ino if stat.S_ISFIFO(info.st_mode) else None

    def limits(self) -> dict[str, tuple[str, str]]:
        """The resource limits of this process (what getrlimit(2) returns), by rlimit name."""
        with open(f"{self.base}/self/limits", "rb") as handle:
            return parse_limits(handle.read().decode("utf-8", "replace"))


def attach(host: Host) -> ProcessMaps:
    """The process maps reader of host."""
    return ProcessMaps(host)
