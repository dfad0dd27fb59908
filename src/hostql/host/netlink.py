"""rtnetlink: a small NETLINK_ROUTE client (links, addresses, routes) and the interface sysfs."""

# The parsers are pure functions over message bytes, so recorded dumps can be replayed. On a
# fixture host (not the live machine) no socket is opened: a dump is read from the recorded
# file /netlink/<link|addr|route>.bin under the fixture root, if there is one.

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_DUMP = 0x1, 0x2, 0x300
RTM_NEWLINK, RTM_GETLINK = 16, 18
RTM_NEWADDR, RTM_GETADDR = 20, 22
RTM_NEWROUTE, RTM_GETROUTE = 24, 26

IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_STATS, IFLA_STATS64 = 1, 3, 4, 7, 23
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST = 1, 2, 3, 4
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_METRICS = 1, 4, 5, 6, 7, 8
RTAX_MTU, RTAX_HOPLIMIT = 2, 10

_NLMSGHDR = struct.Struct("=IHHII")
_RTATTR = struct.Struct("=HH")
_IFINFOMSG = struct.Struct("=BxHiII")
_IFADDRMSG = struct.Struct("=BBBBI")
_RTMSG = struct.Struct("=BBBBBBBBI")
_DUMPS = {"link": RTM_GETLINK, "addr": RTM_GETADDR, "route": RTM_GETROUTE}
_REQUEST_BODY = {
    RTM_GETLINK: _IFINFOMSG.pack(0, 0, 0, 0, 0),
    RTM_GETADDR: _IFADDRMSG.pack(0, 0, 0, 0, 0),
    RTM_GETROUTE: _RTMSG.pack(0, 0, 0, 0, 0, 0, 0, 0, 0),
}
_STAT_NAMES = (
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "multicast",
    "collisions",
)

SIOCETHTOOL = 0x8946
ETHTOOL_GDRVINFO = 0x3
_DRVINFO_SIZE = 196
_DRVINFO_BUS_INFO = slice(100, 132)


class NetlinkError(OSError):
    """The kernel answered a dump with an error."""


class Message(NamedTuple):
    """One netlink message: its type, flags, sequence number and payload."""

    type: int
    flags: int
    seq: int
    payload: bytes


class Link(NamedTuple):
    """An RTM_NEWLINK: a network interface."""

    index: int
    name: str
    type: int
    flags: int
    mtu: int | None
    address: bytes | None
    stats: dict[str, int] | None


class Address(NamedTuple):
    """An RTM_NEWADDR: one address of an interface, attributes kept in kernel order."""

    family: int
    prefixlen: int
    flags: int
    scope: int
    index: int
    attributes: tuple[tuple[int, bytes], ...]


class Route(NamedTuple):
    """An RTM_NEWROUTE: one route of any table."""

    family: int
    dst_len: int
    table: int
    protocol: int
    scope: int
    type: int
    flags: int
    attributes: dict[int, bytes]


def parse_messages(data: bytes) -> Iterator[Message]:
    """The netlink messages in a buffer (NLMSG_ALIGN'ed, stopping at a truncated one)."""
    offset = 0
    while offset + _NLMSGHDR.size <= len(data):
        length, kind, flags, seq, _pid = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size or offset + length > len(data):
            return
        yield Message(kind, flags, seq, data[offset + _NLMSGHDR.size : offset + length])
        offset += (length + 3) & ~3


def parse_attributes(data: bytes, offset: int = 0) -> Iterator[tuple[int, bytes]]:
    """(type, value) of the rtattrs from offset on, in order (RTA_ALIGN'ed)."""
    while offset + _RTATTR.size <= len(data):
        length, kind = _RTATTR.unpack_from(data, offset)
        if length < _RTATTR.size or offset + length > len(data):
            return
        # NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the top bits of the type.
        yield kind & 0x3FFF, data[offset + _RTATTR.size : offset + length]
        offset += (length + 3) & ~3


def parse_link(payload: bytes) -> Link:
    """An RTM_NEWLINK payload."""
    _family, kind, index, flags, _change = _IFINFOMSG.unpack_from(payload)
    attributes = dict(parse_attributes(payload, _IFINFOMSG.size))
    stats: dict[str, int] | None = None
    # The first ten counters of rtnl_link_stats64 (or the 32-bit rtnl_link_stats).
    for key, layout in ((IFLA_STATS64, "=10Q"), (IFLA_STATS, "=10I")):
        value = attributes.get(key, b"")
        if len(value) >= struct.calcsize(layout):
            stats = dict(zip(_STAT_NAMES, struct.unpack_from(layout, value), strict=True))
            break
    mtu = attributes.get(IFLA_MTU)
    return Link(
        index=index,
        name=_c_string(attributes.get(IFLA_IFNAME, b"")),
        type=kind,
        flags=flags,
        mtu=struct.unpack("=I", mtu[:4])[0] if mtu and len(mtu) >= 4 else None,
        address=attributes.get(IFLA_ADDRESS),
        stats=stats,
    )


def parse_address(payload: bytes) -> Address:
    """An RTM_NEWADDR payload."""
    family, prefixlen, flags, scope, index = _IFADDRMSG.unpack_from(payload)
    attributes = tuple(parse_attributes(payload, _IFADDRMSG.size))
    return Address(family, prefixlen, flags, scope, index, attributes)


def parse_route(payload: bytes) -> Route:
    """An RTM_NEWROUTE payload."""
    family, dst_len, _src_len, _tos, table, protocol, scope, kind, flags = _RTMSG.unpack_from(
        payload
    )
    attributes = dict(parse_attributes(payload, _RTMSG.size))
    return Route(family, dst_len, table, protocol, scope, kind, flags, attributes)


def dump_payloads(data: bytes, kind: int) -> Iterator[bytes]:
    """The payloads of one message type in a dump reply (NetlinkError on an error reply)."""
    for message in parse_messages(data):
        if message.type == NLMSG_ERROR:
            error = struct.unpack_from("=i", message.payload)[0] if message.payload else 0
            if error:
                raise NetlinkError(-error, os.strerror(-error))
        elif message.type == kind:
            yield message.payload


def dump_request(kind: int, seq: int) -> bytes:
    """The bytes of an NLM_F_DUMP request for one RTM_GET* type."""
    body = _REQUEST_BODY[kind]
    header = _NLMSGHDR.pack(_NLMSGHDR.size + len(body), kind, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    return header + body


def _c_string(value: bytes) -> str:
    return value.split(b"\0", 1)[0].decode("utf-8", "replace")


class Netlink:
    """Reader of the host's network interfaces, addresses and routes."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._seq = 0

    def dump(self, name: str) -> bytes:
        """The raw reply to a link, addr or route dump (every message, up to NLMSG_DONE)."""
        if not self.host.live:
            try:
                return self.host.path(f"/netlink/{name}.bin").read_bytes()
            except FileNotFoundError:
                return b""
        kind = _DUMPS[name]
        self._seq += 1
        seq = self._seq
        chunks = []
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
            sock.settimeout(5.0)
            sock.bind((0, 0))
            sock.sendall(dump_request(kind, seq))
            done = False
            while not done:
                data = sock.recv(1 << 20)
                if not data:
                    break
                chunks.append(data)
                for message in parse_messages(data):
                    if message.type in (NLMSG_DONE, NLMSG_ERROR) or not (
                        message.flags & NLM_F_MULTI
                    ):
                        done = True
        return b"".join(chunks)

    def links(self) -> list[Link]:
        """Every interface, in ifindex order."""
        return [parse_link(p) for p in dump_payloads(self.dump("link"), RTM_NEWLINK)]

    def addresses(self) -> list[Address]:
        """Every interface address (IPv4 first, then IPv6, as the kernel dumps them)."""
        return [parse_address(p) for p in dump_payloads(self.dump("addr"), RTM_NEWADDR)]

    def routes(self) -> list[Route]:
        """Every route of every table and family."""
        return [parse_route(p) for p in dump_payloads(self.dump("route"), RTM_NEWROUTE)]

    # -- /sys/class/net and ethtool ------------------------------------------------------------

    def sysfs(self, interface: str, attribute: str) -> str | None:
        """One /sys/class/net/<interface>/<attribute> value, or None if it cannot be read."""
        path = self.host.path(f"/sys/class/net/{interface}/{attribute}")
        try:
            with open(path, "rb") as handle:
                return handle.read().decode("utf-8", "replace")
        except OSError:  # absent, or EINVAL for speed on a link without settings
            return None

    def bus_info(self, interface: str) -> str | None:
        """ethtool's driver bus_info of an interface (None when the driver has none)."""
        if not self.host.live:
            device = self.host.path(f"/sys/class/net/{interface}/device")
            try:
                return os.path.basename(os.readlink(device))
            except OSError:  # virtual interfaces have no device
                return None
        info = ctypes.create_string_buffer(_DRVINFO_SIZE)
        struct.pack_into("=I", info, 0, ETHTOOL_GDRVINFO)
        name = interface.encode()[:15]
        request = struct.pack("@16sP", name, ctypes.addressof(info)).ljust(40, b"\0")
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                fcntl.ioctl(sock.fileno(), SIOCETHTOOL, request)
        except OSError:  # EOPNOTSUPP for drivers without get_drvinfo, ENODEV if it is gone
            return None
        return _c_string(info.raw[_DRVINFO_BUS_INFO])


def attach(host: Host) -> Netlink:
    """The rtnetlink reader of host."""
    return Netlink(host)
