"""Kernel state under /proc: modules, keys, sysctls, load, memory, CPU times, SysV shm, iomem."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

# osquery reads /etc/sysctl.conf first, then these directories in this order; a later file
# overrides an earlier one (the reverse of systemd-sysctl's precedence, kept for parity).
SYSCTL_CONFIG_FILES = ("/etc/sysctl.conf",)
SYSCTL_CONFIG_DIRS = (
    "/run/sysctl.d", "/etc/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)  # fmt: skip


class Sysctl(NamedTuple):
    """One leaf of /proc/sys: its dotted name and its file."""

    name: str
    path: str


def read_text(path: str) -> str:
    """The whole content of a (pseudo) file as text; /proc reports size 0, so read to EOF."""
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def parse_sysctl_config(text: str, config: dict[str, str]) -> None:
    """Add the `key = value` lines of a sysctl.conf file to config (osquery's rules)."""
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith(("#", ";")):
            continue
        # osquery splits on '=' dropping empty pieces: exactly two pieces make a setting.
        parts = [p.strip() for p in line.split("=") if p]
        if len(parts) == 2:
            config[parts[0]] = parts[1]


class Kernel:
    """Reader of the kernel's state files under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.proc = str(host.path("/proc"))
        self.sysctl_root = str(host.path("/proc/sys"))

    def _read(self, name: str) -> str:
        return read_text(f"{self.proc}/{name}")

    def modules_text(self) -> str:
        """/proc/modules (FileNotFoundError on kernels built without module support)."""
        return self._read("modules")

    def keys_text(self) -> str:
        """/proc/keys: the keys the reading process may view."""
        return self._read("keys")

    def stat_text(self) -> str:
        """/proc/stat."""
        return self._read("stat")

    def meminfo_text(self) -> str:
        """/proc/meminfo."""
        return self._read("meminfo")

    def iomem_text(self) -> str:
        """/proc/iomem (addresses read as zero without CAP_SYS_ADMIN)."""
        return self._read("iomem")

    def load_averages(self) -> tuple[float, float, float]:
        """The 1, 5 and 15 minute load averages (what getloadavg(3) reads)."""
        fields = self._read("loadavg").split()
        return float(fields[0]), float(fields[1]), float(fields[2])

    def shm_segments(self) -> Iterator[dict[str, str]]:
        """One header-keyed dict per line of /proc/sysvipc/shm (columns differ by kernel)."""
        lines = self._read("sysvipc/shm").splitlines()
        if not lines:
            return
        header = lines[0].split()
        for line in lines[1:]:
            values = line.split()
            if len(values) == len(header):
                yield dict(zip(header, values, strict=True))

    def sysctl_config(self) -> dict[str, str]:
        """Settings from sysctl.conf and the sysctl.d directories, later files winning."""
        config: dict[str, str] = {}
        paths = [str(self.host.path(p)) for p in SYSCTL_CONFIG_FILES]
        for directory in SYSCTL_CONFIG_DIRS:
            paths.extend(sorted(glob.glob(glob.escape(str(self.host.path(directory))) + "/*.conf")))
        for path in paths:
            try:
                parse_sysctl_config(read_text(path), config)
            except (FileNotFoundError, PermissionError, IsADirectoryError):
                continue
        return config

    def sysctl(self, name: str) -> Sysctl:
        """The sysctl called name ('.' or '/' separated; its file need not exist)."""
        path = name.replace(".", "/")
        return Sysctl(path.replace("/", "."), f"{self.sysctl_root}/{path}")

    def is_sysctl_dir(self, name: str) -> bool:
        """Whether name is a branch (a directory) of /proc/sys."""
        return os.path.isdir(self.sysctl(name).path)

    def sysctls(self, under: str = "", prefix: str = "") -> Iterator[Sysctl]:
        """Leaves below the branch under (all if empty) whose names may start with prefix."""
        start = self.sysctl(under) if under else Sysctl("", self.sysctl_root)
        yield from self._walk(start.path, start.name, prefix)

    def _walk(self, directory: str, name: str, prefix: str) -> Iterator[Sysctl]:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except (FileNotFoundError, PermissionError, NotADirectoryError):
            return
        # osquery lists the subdirectories (recursing) before the files of each directory.
        files = []
        for entry in entries:
            full = f"{name}.{entry.name}" if name else entry.name
            lowered = full.lower()
            if entry.is_dir(follow_symlinks=False):
                if lowered.startswith(prefix) or prefix.startswith(lowered + "."):
                    yield from self._walk(entry.path, full, prefix)
            elif lowered.startswith(prefix):
                files.append(Sysctl(full, entry.path))
        yield from files

    def sysctl_value(self, item: Sysctl) -> str | None:
        """The trimmed value of a sysctl; None if unreadable, '' if the read itself fails."""
        try:
            return read_text(item.path).strip()
        except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError:
            return ""  # access(2) allowed it but read(2) failed: osquery keeps an empty value


def attach(host: Host) -> Kernel:
    """The kernel-state reader of host."""
    return Kernel(host)
