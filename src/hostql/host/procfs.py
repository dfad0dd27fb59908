"""/proc: processes, their descriptors and sockets, and kernel counters, under the host's root."""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from hostql.host.proc_net import (
    AF_PACKET,
    AF_UNIX,
    SOCKET_FILES,
    Socket,
    parse_inet_sockets,
    parse_packet_sockets,
    parse_unix_sockets,
)

if TYPE_CHECKING:
    from hostql.host import Host

CLOCK_TICKS: int = os.sysconf("SC_CLK_TCK")
_CHUNK = 65_536


class ProcStat(NamedTuple):
    """The /proc/<pid>/stat fields the tables use (times in clock ticks)."""

    state: str
    parent: int
    pgroup: int
    user_ticks: int
    system_ticks: int
    nice: int
    threads: int
    start_ticks: int


class ProcStatus(NamedTuple):
    """The /proc/<pid>/status fields the tables use; ids are (real, effective, saved)."""

    name: str
    uids: tuple[int, int, int] | None
    gids: tuple[int, int, int] | None
    resident_kb: int | None
    total_kb: int | None


class ProcIo(NamedTuple):
    """The /proc/<pid>/io storage counters, in bytes."""

    read_bytes: int
    write_bytes: int
    cancelled_write_bytes: int


class OpenSocket(NamedTuple):
    """A socket with its owning process (pid and fd -1 when no scanned process holds it)."""

    pid: int
    fd: int
    net_namespace: int
    socket: Socket


def read_bytes(path: str) -> bytes:
    """The whole content of a (pseudo) file; /proc files report size 0, so read to EOF."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, _CHUNK)
        # /proc fills a read as far as whole records fit, so a read well short of the buffer
        # was the last one: this saves the EOF read on every small per-process file.
        if len(data) < _CHUNK // 2:
            return data
        chunks = [data]
        while chunk := os.read(fd, _CHUNK):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def parse_stat(data: bytes) -> ProcStat:
    """Parse /proc/<pid>/stat; the command name may hold spaces and parentheses."""
    fields = data[data.rindex(b")") + 2 :].split()
    if len(fields) < 20:
        raise ValueError("short /proc/<pid>/stat")
    return ProcStat(
        fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[11]), int(fields[12]),
        int(fields[16]), int(fields[17]), int(fields[19]),
    )  # fmt: skip


def _line_after(data: bytes, key: bytes) -> bytes:
    """The rest of the line of /proc/<pid>/status that starts with key ("" if there is none)."""
    start = data.find(key)
    if start == -1:
        return b""
    start += len(key)
    end = data.find(b"\n", start)
    return data[start:end] if end != -1 else data[start:]


def parse_status(data: bytes) -> ProcStatus:
    """Parse the Name, Uid, Gid, VmRSS and VmSize lines of /proc/<pid>/status."""
    name = _line_after(data, b"Name:") if data.startswith(b"Name:") else b""
    uids = _line_after(data, b"\nUid:").split()
    gids = _line_after(data, b"\nGid:").split()
    rss = _line_after(data, b"\nVmRSS:").split()
    size = _line_after(data, b"\nVmSize:").split()
    return ProcStatus(
        name.strip().decode("utf-8", "replace"),
        (int(uids[0]), int(uids[1]), int(uids[2])) if len(uids) == 4 else None,
        (int(gids[0]), int(gids[1]), int(gids[2])) if len(gids) == 4 else None,
        int(rss[0]) if rss else None,
        int(size[0]) if size else None,
    )


def parse_io(data: bytes) -> ProcIo:
    """Parse /proc/<pid>/io ("key: value" lines; missing counters read as 0)."""
    words = data.split()
    values = dict(zip(words[::2], words[1::2], strict=False))
    return ProcIo(
        int(values.get(b"read_bytes:", 0)),
        int(values.get(b"write_bytes:", 0)),
        int(values.get(b"cancelled_write_bytes:", 0)),
    )


def parse_environ(data: bytes) -> list[tuple[str, str]]:
    """NUL-separated KEY=VALUE pairs, in order; an entry without '=' is its own key and value."""
    pairs = []
    for entry in data.split(b"\0"):
        if not entry:
            break  # osquery stops at the first empty entry
        text = entry.decode("utf-8", "replace")
        key, sep, value = text.partition("=")
        # osquery's substr(find('=') + 1) wraps to the whole entry when there is no '='.
        pairs.append((key, value if sep else text))
    return pairs


def parse_cgroup_path(data: bytes) -> str:
    """The path of the first /proc/<pid>/cgroup line ("N:controllers:path"), as osquery reads it."""
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    parts = first.split(":", 2)
    return parts[2] if len(parts) == 3 else ""


def as_pid(value: Any) -> int | None:
    """A constraint value as a pid, or None when it names no possible process."""
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else -1
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class Procfs:
    """Reader of the host's /proc."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.proc = host.path("/proc")
        self.base = str(self.proc)
        # Host paths are joined as strings on the hot path: host.path() of the root, once.
        self.prefix = "" if host.live else str(host.path("/")).rstrip("/")

    def uptime_seconds(self) -> float:
        """Seconds since boot (first field of /proc/uptime)."""
        return float((self.proc / "uptime").read_text().split()[0])

    def boot_time(self) -> int | None:
        """Boot time in seconds since the epoch, as osquery derives it (now - whole uptime)."""
        try:
            uptime = int(self.uptime_seconds())
        except (OSError, ValueError, IndexError):
            return None
        return int(time.time()) - uptime if uptime > 0 else None

    def pids(self, wanted: Collection[Any] | None = None) -> list[int]:
        """Running pids, ascending; with wanted, only those of them whose /proc dir exists."""
        if wanted is not None:
            chosen = {p for p in map(as_pid, wanted) if p is not None}
            return sorted(p for p in chosen if os.path.isdir(f"{self.base}/{p}"))
        return sorted(int(name) for name in os.listdir(self.base) if name.isdigit())

    def stat(self, pid: int) -> ProcStat:
        """Parsed /proc/<pid>/stat."""
        return parse_stat(read_bytes(f"{self.base}/{pid}/stat"))

    def status(self, pid: int) -> ProcStatus:
        """Parsed /proc/<pid>/status."""
        return parse_status(read_bytes(f"{self.base}/{pid}/status"))

    def io(self, pid: int) -> ProcIo:
        """Parsed /proc/<pid>/io (PermissionError for other users' processes without root)."""
        return parse_io(read_bytes(f"{self.base}/{pid}/io"))

    def cmdline(self, pid: int) -> str:
        """argv joined by spaces, trailing white space trimmed (empty for kernel threads)."""
        data = read_bytes(f"{self.base}/{pid}/cmdline")
        return data.replace(b"\0", b" ").strip().decode("utf-8", "replace")

    def environ(self, pid: int) -> list[tuple[str, str]]:
        """The environment of a process as (key, value) pairs."""
        return parse_environ(read_bytes(f"{self.base}/{pid}/environ"))

    def cgroup_path(self, pid: int) -> str:
        """The control group path osquery reports (first line of /proc/<pid>/cgroup)."""
        return parse_cgroup_path(read_bytes(f"{self.base}/{pid}/cgroup"))

    def readlink(self, pid: int, name: str) -> str:
        """Target of the /proc/<pid>/<name> link; empty when it cannot be read, as in osquery."""
        try:
            return os.readlink(f"{self.base}/{pid}/{name}")
        except (FileNotFoundError, PermissionError, ProcessLookupError, NotADirectoryError):
            return ""

    def exists(self, path: str) -> bool:
        """Whether an absolute host path exists (following links)."""
        return os.path.exists(self.prefix + path)

    def inode(self, path: str) -> int:
        """The inode of the file at an absolute host path (following links)."""
        return os.stat(self.prefix + path).st_ino

    def mapped_inode(self, pid: int, path: str) -> int | None:
        """The inode /proc/<pid>/maps gives for a mapping of path, or None if none maps it."""
        suffix = " " + path
        for line in read_bytes(f"{self.base}/{pid}/maps").decode("utf-8", "replace").splitlines():
            if line.endswith(suffix):
                fields = line.split(None, 5)
                if len(fields) == 6 and fields[4].isdigit() and fields[5] == path:
                    return int(fields[4])
        return None

    def descriptors(self, pid: int) -> list[tuple[int, str]]:
        """(fd, link target) per open descriptor, ascending; fds closed meanwhile are left out."""
        directory = f"{self.base}/{pid}/fd"
        found = []
        for name in os.listdir(directory):
            try:
                found.append((int(name), os.readlink(f"{directory}/{name}")))
            except (FileNotFoundError, ValueError):
                continue  # closed between listing and reading
        found.sort()
        return found

    def namespace_inode(self, pid: int, kind: str) -> int | None:
        """The inode of a process's namespace of kind (net, mnt, ...), None when unreadable."""
        target = self.readlink(pid, f"ns/{kind}")
        prefix = kind + ":["
        if not target.startswith(prefix) or not target.endswith("]"):
            return None
        number = target[len(prefix) : -1]
        return int(number) if number.isdigit() and number != "0" else None

    def sockets(self, pid: int) -> list[Socket]:
        """Every socket of the network namespace of pid (unreadable tables are skipped)."""
        found: list[Socket] = []
        for family, protocol, name in SOCKET_FILES:
            try:
                text = read_bytes(f"{self.base}/{pid}/net/{name}").decode("utf-8", "replace")
            except (FileNotFoundError, PermissionError, ProcessLookupError, NotADirectoryError):
                continue  # protocol not built in, or the process exited
            if family == AF_UNIX:
                found.extend(parse_unix_sockets(text))
            elif family == AF_PACKET:
                found.extend(parse_packet_sockets(text))
            else:
                found.extend(parse_inet_sockets(text, family, protocol))
        return found

    def open_sockets(self, wanted: Collection[Any] | None = None) -> Iterator[OpenSocket]:
        """Sockets of the scanned processes' namespaces, with the pid and fd holding each one."""
        # osquery: with wanted pids (none of them -1) only their sockets are returned; otherwise
        # every process is scanned and sockets nobody holds come with pid and fd -1.
        filtered = wanted is not None and all(str(v).strip() != "-1" for v in wanted)
        pids = self.pids(wanted) if filtered else self.pids()
        owners: dict[int, tuple[int, int]] = {}
        namespaces: set[int] = set()
        unknown: int | None = None
        found: list[tuple[int, Socket]] = []
        for pid in pids:
            try:
                for fd, target in self.descriptors(pid):
                    if target.startswith("socket:["):
                        owners[int(target[8:-1])] = (pid, fd)  # later pids win, as in osquery
            except (FileNotFoundError, PermissionError, ProcessLookupError):
                pass  # process exited or is hidden: its namespace may still be read
            namespace = self.namespace_inode(pid, "net")
            if namespace is None:
                unknown = pid if unknown is None else unknown
            elif namespace not in namespaces:
                namespaces.add(namespace)
                found.extend((namespace, s) for s in self.sockets(pid))
        if unknown is not None:
            found.extend((0, s) for s in self._unseen_sockets(unknown, found))
        for namespace, item in found:
            owner = owners.get(item.inode)
            if owner is not None:
                yield OpenSocket(owner[0], owner[1], namespace, item)
            elif not filtered:
                yield OpenSocket(-1, -1, namespace, item)

    def _unseen_sockets(self, pid: int, found: list[tuple[int, Socket]]) -> list[Socket]:
        """Sockets of a namespace that could not be identified (osquery's namespace 0)."""
        # Socket inodes are unique machine-wide: when all were seen already, the namespace is
        # one read before and nothing is repeated; else only the new sockets are kept.
        seen = {item.inode for _, item in found}
        sockets = self.sockets(pid)
        if all(s.inode in seen for s in sockets if s.inode):
            return []
        return [s for s in sockets if not s.inode or s.inode not in seen]


def attach(host: Host) -> Procfs:
    """The /proc reader of host."""
    return Procfs(host)
