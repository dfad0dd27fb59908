"""osquery's network SQL functions: community_id_v1, community_id_v1_strict and in_cidr_block."""

from __future__ import annotations

import base64
import hashlib
import logging
import socket
from ipaddress import IPv4Address, IPv6Address

from hostql.errors import SqlError
from hostql.sql.functions.coercion import SqlValue, c_text

IpAddress = IPv4Address | IPv6Address

_log = logging.getLogger(__name__)


def parse_ip(text: str) -> IpAddress | None:
    """The address boost's make_address() reads from text (IPv6 tried first), or None."""
    # Boost accepts and drops an IPv6 scope suffix ("fe80::1%eth0").
    unscoped = text.split("%", 1)[0]
    try:
        return IPv6Address(socket.inet_pton(socket.AF_INET6, unscoped))
    except (OSError, UnicodeError, ValueError):
        pass
    try:
        return IPv4Address(socket.inet_pton(socket.AF_INET, text))
    except (OSError, UnicodeError, ValueError):
        return None


def _ordering_key(address: IpAddress) -> tuple[int, bytes]:
    # boost::asio::ip::address sorts every IPv4 address before every IPv6 one.
    return address.version, address.packed


def community_id(
    source: IpAddress,
    destination: IpAddress,
    source_port: int,
    destination_port: int,
    protocol: int,
    seed: int = 0,
) -> str:
    """Community ID v1 of a flow: "1:" and the base64 SHA-1 of its ordered tuple."""
    source_key, destination_key = _ordering_key(source), _ordering_key(destination)
    if not (
        source_key < destination_key
        or (source_key == destination_key and source_port < destination_port)
    ):
        source, destination = destination, source
        source_port, destination_port = destination_port, source_port
    flow = b"".join(
        (
            seed.to_bytes(2, "big", signed=True),
            source.packed,
            destination.packed,
            bytes((protocol, 0)),
            source_port.to_bytes(2, "big"),
            destination_port.to_bytes(2, "big"),
        )
    )
    digest = hashlib.sha1(flow, usedforsecurity=False).digest()
    return "1:" + base64.b64encode(digest).decode("ascii")


def community_id_v1_strict(
    saddr: SqlValue,
    daddr: SqlValue,
    sport: SqlValue,
    dport: SqlValue,
    proto: SqlValue,
    seed: SqlValue = 0,
) -> str:
    """community_id_v1() whose invalid arguments fail the statement."""
    if not isinstance(seed, int):
        raise SqlError("Community ID seed must be an integer")
    if not -(2**15) <= seed < 2**15:
        raise SqlError("Community ID seed must fit in 2 bytes")
    if not isinstance(saddr, str) or not isinstance(daddr, str):
        raise SqlError("Community ID IPs must be strings")
    source = parse_ip(c_text(saddr))
    if source is None:
        raise SqlError("Community ID saddr cannot be parsed as IP")
    destination = parse_ip(c_text(daddr))
    if destination is None:
        raise SqlError("Community ID daddr cannot be parsed as IP")
    if not isinstance(sport, int) or not isinstance(dport, int):
        raise SqlError("Community ID ports must be integers")
    if not (0 <= sport < 2**16 and 0 <= dport < 2**16):
        raise SqlError("Community ID ports must fit in 2 bytes")
    if not isinstance(proto, int):
        raise SqlError("Community ID protocol must be an integer")
    if not 0 <= proto < 2**8:
        raise SqlError("Community ID protocol must fit in 1 byte")
    return community_id(source, destination, sport, dport, proto, seed)


def community_id_v1(
    saddr: SqlValue,
    daddr: SqlValue,
    sport: SqlValue,
    dport: SqlValue,
    proto: SqlValue,
    seed: SqlValue = 0,
) -> str | None:
    """Community ID v1 of a flow; NULL and a logged warning when an argument is invalid."""
    try:
        return community_id_v1_strict(saddr, daddr, sport, dport, proto, seed)
    except SqlError as error:
        _log.warning("%s", error)
        return None


def _parse_network(text: str, version: int) -> tuple[int, int] | None:
    """(address, prefix length) of "address/prefix" under boost's make_network_v4/v6 rules."""
    slash = text.find("/")
    if slash < 0 or slash == len(text) - 1:
        return None
    digits = text[slash + 1 :]
    if not (digits.isascii() and digits.isdigit()):
        return None
    address = parse_ip(text[:slash])
    if address is None or address.version != version:
        return None
    prefix = int(digits)
    if prefix > address.max_prefixlen:
        return None
    return int(address), prefix


def is_network_host(address: IpAddress, network: int, prefix: int) -> bool:
    """Whether address lies in boost's network.hosts() range for network/prefix."""
    bits = address.max_prefixlen
    modulus = 1 << bits
    mask = (modulus - 1) ^ ((1 << (bits - prefix)) - 1)
    base, last = network & mask, network | (~mask & (modulus - 1))
    if address.version == 4:
        # IPv4 hosts() leaves out the network and broadcast addresses, except for a /32.
        begin, end = (network, network + 1) if prefix == 32 else (base + 1, last)
    else:
        begin, end = base, last + 1
    # Boost's end address wraps to zero past the top of the space, leaving the range empty.
    return begin <= int(address) < end % modulus


def in_cidr_block(cidr: SqlValue, ip: SqlValue) -> int:
    """1 if the IP address is one of the CIDR block's host addresses, else 0."""
    if not isinstance(cidr, str):
        raise SqlError("CIDR must be a string")
    if not isinstance(ip, str):
        raise SqlError("IP address must be a string")
    address = parse_ip(c_text(ip))
    if address is None:
        raise SqlError("IP address cannot be parsed")
    network = _parse_network(c_text(cidr), address.version)
    if network is None:
        raise SqlError(f"CIDR for IP address v{address.version} cannot be parsed")
    return int(is_network_host(address, *network))
