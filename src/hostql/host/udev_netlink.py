"""Device uevents over NETLINK_KOBJECT_UEVENT: kernel and libudev message formats, the socket."""

# The kernel multicasts raw uevents to group 1 ("action@devpath\0KEY=VALUE\0..."); a udev
# daemon re-sends each processed device to group 2 behind a 40-byte "libudev" header. The
# parsers and encoders are pure functions over message bytes, so recorded messages replay.

from __future__ import annotations

import errno
import socket
import struct
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

NETLINK_KOBJECT_UEVENT = 15
GROUP_KERNEL = 1
GROUP_UDEV = 2
# libudev_monitor_new_from_netlink(udev, name): the two monitor names and their groups.
GROUPS = {"kernel": GROUP_KERNEL, "udev": GROUP_UDEV}

UDEV_PREFIX = b"libudev\0"
UDEV_MAGIC = 0xFEEDCAFE
# prefix[8], then magic (network order), header_size, properties_off, properties_len (host
# order), then subsystem hash, devtype hash, tag bloom hi/lo (network order).
_HEADER = struct.Struct("=8s4sIII16s")
_BIG_WORDS = struct.Struct(">IIII")
HEADER_SIZE = _HEADER.size
# libudev receives into an 8 KiB buffer and drops what does not fit.
RECEIVE_SIZE = 8192
_UCRED = struct.Struct("=iII")
_RECEIVE_BUFFER = 8 * 1024 * 1024
SO_PASSCRED = getattr(socket, "SO_PASSCRED", 16)
SO_RCVBUFFORCE = 33


class UeventError(ValueError):
    """A datagram that is not a valid kernel or libudev uevent."""


class Uevent(NamedTuple):
    """One device event: where it came from, the device facts libudev exposes, all properties."""

    source: str  # "kernel" or "udev"
    action: str
    devpath: str
    subsystem: str
    devtype: str
    devnode: str
    driver: str
    seqnum: int
    properties: dict[str, str]


class Datagram(NamedTuple):
    """One received datagram and what the socket says about its sender."""

    data: bytes
    sender_pid: int
    groups: int
    uid: int | None
    truncated: bool


def parse(data: bytes) -> Uevent:
    """The uevent in a kernel (group 1) or libudev (group 2) message."""
    if data.startswith(UDEV_PREFIX):
        source, properties = "udev", _udev_properties(data)
    else:
        source, properties = "kernel", _kernel_properties(data)
    missing = [k for k in ("ACTION", "DEVPATH", "SUBSYSTEM", "SEQNUM") if not properties.get(k)]
    if missing:
        raise UeventError(f"uevent without {', '.join(missing)}")
    try:
        seqnum = int(properties["SEQNUM"])
    except ValueError:
        raise UeventError(f"uevent with a bad SEQNUM {properties['SEQNUM']!r}") from None
    devname = properties.get("DEVNAME", "")
    # libudev makes a kernel-relative DEVNAME ("sda") a node path.
    devnode = devname if not devname or devname.startswith("/") else "/dev/" + devname
    return Uevent(
        source=source,
        action=properties["ACTION"],
        devpath=properties["DEVPATH"],
        subsystem=properties["SUBSYSTEM"],
        devtype=properties.get("DEVTYPE", ""),
        devnode=devnode,
        driver=properties.get("DRIVER", ""),
        seqnum=seqnum,
        properties=properties,
    )


def _udev_properties(data: bytes) -> dict[str, str]:
    if len(data) < HEADER_SIZE:
        raise UeventError(f"libudev message of {len(data)} bytes is shorter than its header")
    _, magic, header_size, offset, length, _ = _HEADER.unpack_from(data)
    if struct.unpack(">I", magic)[0] != UDEV_MAGIC:
        raise UeventError(f"libudev message with unknown magic 0x{magic.hex()}")
    if header_size < HEADER_SIZE or offset < header_size or offset + length > len(data):
        raise UeventError("libudev message with properties outside the datagram")
    return _nulstr_properties(data[offset : offset + length])


def _kernel_properties(data: bytes) -> dict[str, str]:
    head, sep, rest = data.partition(b"\0")
    # libudev's check: a header at least as long as "a@/d" that names a devpath.
    if not sep or len(head) < 4 or b"@/" not in head:
        raise UeventError("not a kernel uevent: no action@devpath header")
    return _nulstr_properties(rest)


def _nulstr_properties(block: bytes) -> dict[str, str]:
    properties: dict[str, str] = {}
    for entry in block.split(b"\0"):
        key, sep, value = entry.partition(b"=")
        if sep and key:
            properties[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return properties


def sender_problem(datagram: Datagram, trusted_uids: Iterable[int] = (0,)) -> str | None:
    """Why libudev would ignore this datagram (None: accept it)."""
    if datagram.truncated:
        return "truncated message ignored"
    if datagram.groups == 0:
        return "unicast netlink message ignored"
    if datagram.groups == GROUP_KERNEL and datagram.sender_pid > 0:
        return f"multicast kernel netlink message from PID {datagram.sender_pid} ignored"
    if datagram.uid is None:
        return "no sender credentials received, message ignored"
    if datagram.uid not in set(trusted_uids):
        return f"sender uid={datagram.uid}, message ignored"
    return None


def kernel_message(properties: Mapping[str, str]) -> bytes:
    """A raw kernel uevent as the kernel multicasts it (ACTION and DEVPATH must be set)."""
    head = f"{properties['ACTION']}@{properties['DEVPATH']}".encode()
    return head + b"\0" + _nulstr(properties)


def udev_message(properties: Mapping[str, str]) -> bytes:
    """A processed device as a udev daemon sends it to libudev monitors (group 2)."""
    body = _nulstr(properties)
    tags = [t for t in properties.get("TAGS", "").split(":") if t]
    bloom = 0
    for tag in tags:
        bloom |= _bloom_bits(murmur_hash2(tag.encode()))
    devtype = properties.get("DEVTYPE", "")
    filters = _BIG_WORDS.pack(
        murmur_hash2(properties.get("SUBSYSTEM", "").encode()),
        murmur_hash2(devtype.encode()) if devtype else 0,
        bloom >> 32,
        bloom & 0xFFFFFFFF,
    )
    magic = struct.pack(">I", UDEV_MAGIC)
    return _HEADER.pack(UDEV_PREFIX, magic, HEADER_SIZE, HEADER_SIZE, len(body), filters) + body


def _nulstr(properties: Mapping[str, str]) -> bytes:
    return b"".join(f"{k}={v}".encode() + b"\0" for k, v in properties.items())


def _bloom_bits(value: int) -> int:
    return sum({1 << ((value >> shift) & 63) for shift in (0, 6, 12, 18)})


def murmur_hash2(data: bytes, seed: int = 0) -> int:
    """MurmurHash2 (32-bit), udev's hash of subsystem, devtype and tag names for filters."""
    m, mask = 0x5BD1E995, 0xFFFFFFFF
    h = (seed ^ len(data)) & mask
    whole = len(data) - len(data) % 4
    for (k,) in struct.iter_unpack("<I", data[:whole]):
        k = (k * m) & mask
        k ^= k >> 24
        k = (k * m) & mask
        h = ((h * m) & mask) ^ k
    tail = data[whole:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    return h ^ (h >> 15)


def open_monitor(group: int) -> socket.socket:
    """A non-blocking uevent socket bound to one multicast group, passing sender credentials."""
    sock = socket.socket(
        socket.AF_NETLINK,
        socket.SOCK_RAW | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK,
        NETLINK_KOBJECT_UEVENT,
    )
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, _RECEIVE_BUFFER)
        except PermissionError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
        sock.bind((0, group))
    except OSError:
        sock.close()
        raise
    return sock


def receive(sock: socket.socket, group: int) -> Datagram | None:
    """The next datagram waiting on sock (None: none waits; OSError ENOBUFS: some were lost)."""
    try:
        data, ancillary, flags, address = sock.recvmsg(
            RECEIVE_SIZE, socket.CMSG_SPACE(_UCRED.size), socket.MSG_DONTWAIT
        )
    except (BlockingIOError, InterruptedError):
        return None
    uid = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            uid = _UCRED.unpack_from(payload)[1]
    if isinstance(address, tuple) and len(address) == 2:
        sender_pid, groups = int(address[0]), int(address[1])
    else:
        # No netlink address (a test's socketpair): taken as the kernel multicasting to group.
        sender_pid, groups = 0, group
    return Datagram(data, sender_pid, groups, uid, bool(flags & socket.MSG_TRUNC))


class UdevNetlink:
    """The host's uevent sockets (the live machine only)."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def open(self, group: int) -> socket.socket:
        """A monitor socket for group (OSError on a fixture host or without netlink)."""
        if not self.host.live:
            raise OSError(errno.ENOTSUP, "uevents can only be received on the live host")
        return open_monitor(group)


def attach(host: Host) -> UdevNetlink:
    """The uevent sockets of host."""
    return UdevNetlink(host)
