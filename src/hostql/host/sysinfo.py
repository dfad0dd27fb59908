"""System facts: CPU, memory, DMI, OS release, kernel, mounts, hosts file, clock and names."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

_MOUNT_ESCAPE = re.compile(r"\\([0-7]{3})")


class MountEntry(NamedTuple):
    """One line of /proc/mounts, with getmntent(3)'s octal escapes decoded."""

    device: str
    path: str
    type: str
    options: str


class FsStats(NamedTuple):
    """statfs(2) figures of a mounted filesystem."""

    block_size: int
    blocks: int
    blocks_free: int
    blocks_available: int
    inodes: int
    inodes_free: int


def parse_mounts(text: str) -> Iterator[MountEntry]:
    """The entries of a mounts table (fstab format) in order, skipping malformed lines."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[0].startswith("#"):
            continue
        device, path, fstype, options = (_unescape_mount(f) for f in fields[:4])
        yield MountEntry(device, path, fstype, options)


def _unescape_mount(field: str) -> str:
    return _MOUNT_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_cpu_list(text: str) -> int:
    """How many CPUs a sysfs CPU list such as '0-3,8' names."""
    count = 0
    for part in text.strip().split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        count += int(high or low) - int(low) + 1
    return count


class Sysinfo:
    """Reader of system identification files under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def read(self, path: str) -> str | None:
        """The text of a host file, or None when it is missing or unreadable."""
        try:
            with open(self.host.path(path), "rb") as handle:
                return handle.read().decode("utf-8", "replace")
        except OSError:  # missing, unreadable (root-only DMI fields) or a directory
            return None

    def exists(self, path: str) -> bool:
        """Whether a host path exists."""
        return os.path.exists(self.host.path(path))

    def file_size(self, path: str) -> int:
        """Size of a host file in bytes (0 if it cannot be stat'ed)."""
        try:
            return os.stat(self.host.path(path)).st_size
        except OSError:  # missing
            return 0

    def is_readable(self, path: str) -> bool:
        """Whether this process may read a host file."""
        return os.access(self.host.path(path), os.R_OK)

    # -- names ----------------------------------------------------------------------------------

    def hostname(self) -> str:
        """gethostname(2), trimmed (the UTS name /proc/sys/kernel/hostname shows)."""
        if self.host.live:
            return socket.gethostname().strip()
        return (self.read("/proc/sys/kernel/hostname") or "").strip()

    def fqdn(self, hostname: str) -> str:
        """getaddrinfo(3)'s canonical name for hostname, else hostname itself."""
        if not self.host.live or not hostname:
            return hostname
        try:
            answers = socket.getaddrinfo(hostname, None, flags=socket.AI_CANONNAME)
        except (OSError, UnicodeError):  # no resolver answer: osquery keeps the short name
            return hostname
        canonical = answers[0][3] if answers else ""
        return canonical or hostname

    def machine(self) -> str:
        """uname(2)'s machine (the kernel's architecture name)."""
        if not self.host.live:
            arch = self.read("/proc/sys/kernel/arch")
            if arch is not None:
                return arch.strip()
        return os.uname().machine

    # -- CPU, memory, firmware -----------------------------------------------------------------

    def cpuinfo(self) -> str:
        """/proc/cpuinfo ('' if unreadable)."""
        return self.read("/proc/cpuinfo") or ""

    def online_cpus(self) -> int:
        """Online CPUs, as get_nprocs(3) counts them (0 if unknown)."""
        text = self.read("/sys/devices/system/cpu/online")
        if text:
            try:
                return parse_cpu_list(text)
            except ValueError:
                pass
        return sum(1 for line in self.cpuinfo().splitlines() if line.startswith("processor"))

    def physical_memory(self) -> int | None:
        """Bytes of RAM (MemTotal, what sysconf's _SC_PHYS_PAGES * page size gives)."""
        for line in (self.read("/proc/meminfo") or "").splitlines():
            if line.startswith("MemTotal:"):
                fields = line.split()
                if len(fields) >= 2 and fields[1].isdigit():
                    return int(fields[1]) * 1024
        return None

    def has_dmi(self) -> bool:
        """Whether the kernel exposes SMBIOS identification (/sys/class/dmi/id)."""
        return os.path.isdir(self.host.path("/sys/class/dmi/id"))

    def dmi(self, name: str) -> str | None:
        """One /sys/class/dmi/id field, trimmed; None when absent or root-only."""
        text = self.read(f"/sys/class/dmi/id/{name}")
        return None if text is None else text.strip().rstrip("\0")

    # -- OS and kernel --------------------------------------------------------------------------

    def kernel_cmdline(self) -> str | None:
        """/proc/cmdline."""
        return self.read("/proc/cmdline")

    def kernel_signature(self) -> str | None:
        """/proc/version."""
        return self.read("/proc/version")

    def kernel_release(self) -> str | None:
        """/proc/sys/kernel/osrelease, trimmed."""
        text = self.read("/proc/sys/kernel/osrelease")
        return None if text is None else text.strip()

    # -- filesystems ----------------------------------------------------------------------------

    def mounts(self) -> list[MountEntry]:
        """The entries of /proc/mounts (empty if it cannot be read)."""
        return list(parse_mounts(self.read("/proc/mounts") or ""))

    def statfs(self, path: str) -> FsStats | None:
        """statfs(2) of a mount point, or None when it fails (gone, denied, stale)."""
        try:
            st = os.statvfs(self.host.path(path))
        except OSError:  # stale NFS handle, permission, vanished mount
            return None
        # f_bsize of statfs(2) is what statvfs(3) calls f_bsize too (f_frsize may differ).
        return FsStats(st.f_bsize, st.f_blocks, st.f_bfree, st.f_bavail, st.f_files, st.f_ffree)

    def canonical_path(self, path: str) -> str:
        """realpath(3) of an absolute host path, or the path unchanged when that fails."""
        if not path.startswith("/"):
            return path
        real = self.host.path(path)
        try:
            resolved = os.path.realpath(real, strict=True)
        except OSError:  # missing device node, loop
            return path
        if self.host.live:
            return resolved
        root = os.path.realpath(self.host.root)
        relative = os.path.relpath(resolved, root)
        if relative.startswith(".."):
            return path
        return "/" if relative == "." else "/" + relative

    # -- clock ----------------------------------------------------------------------------------

    def now(self) -> int:
        """Seconds since the epoch (time(2))."""
        return int(time.time())

    def local_timezone(self, seconds: int) -> str:
        """The local time zone's abbreviation at a moment (strftime %Z)."""
        return time.strftime("%Z", time.localtime(seconds))


def attach(host: Host) -> Sysinfo:
    """The system facts reader of host."""
    return Sysinfo(host)
