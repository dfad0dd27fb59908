"""interface_addresses: the IPv4 and IPv6 addresses of each interface, from rtnetlink."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator

from hostql.host.netlink import IFA_ADDRESS, IFA_BROADCAST, IFA_LABEL, IFA_LOCAL, Address, Link
from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

IFF_BROADCAST = 0x2


@table(
    "interface_addresses",
    "Network interfaces and relevant metadata.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select interface, address, mask from interface_addresses",),
    columns=[
        Column("interface", TEXT, "Interface name"),
        Column("address", TEXT, "Specific address for interface"),
        Column("mask", TEXT, "Interface netmask"),
        Column("broadcast", TEXT, "Broadcast address for the interface"),
        Column("point_to_point", TEXT, "PtP address for the interface"),
        Column("type", TEXT, "Type of address. One of dhcp, manual, auto, other, unknown"),
        Column("friendly_name", TEXT, "", platforms=("windows",)),
    ],
)
def interface_addresses(ctx: QueryContext) -> Iterator[Row]:
    """A row per address, in the kernel's dump order (IPv4, then IPv6)."""
    netlink = ctx.host.netlink
    yield from address_rows(netlink.links(), netlink.addresses())


def address_rows(links: Iterable[Link], addresses: Iterable[Address]) -> Iterator[Row]:
    """Rows as getifaddrs(3) and osquery make them from RTM_NEWLINK and RTM_NEWADDR."""
    by_index = {link.index: link for link in links}
    for address in addresses:
        if address.family not in (socket.AF_INET, socket.AF_INET6):
            continue
        link = by_index.get(address.index)
        link_name = link.name if link is not None else ""
        name = link_name
        local: bytes | None = None
        other: bytes | None = None
        # glibc's reading: a second address attribute is the peer (or, until IFA_BROADCAST
        # replaces it, a copy of the local address); IFA_LABEL names IPv4 aliases.
        for kind, value in address.attributes:
            if kind == IFA_ADDRESS:
                if local is None:
                    local = value
                else:
                    other = value
            elif kind == IFA_LOCAL:
                if local is not None:
                    other = local
                local = value
            elif kind == IFA_BROADCAST:
                other = value
            elif kind == IFA_LABEL:
                name = value.split(b"\0", 1)[0].decode("utf-8", "replace")
        if local is None:
            continue
        row: Row = {
            "interface": name,
            "address": ip_text(address.family, local, link_name),
            "mask": prefix_mask(address.family, address.prefixlen),
            "type": "unknown",
        }
        if other is not None:
            flags = link.flags if link is not None else 0
            key = "broadcast" if flags & IFF_BROADCAST else "point_to_point"
            row[key] = ip_text(address.family, other, link_name)
        yield row


def ip_text(family: int, raw: bytes, scope_name: str) -> str:
    """getnameinfo(NI_NUMERICHOST): link-local IPv6 addresses carry '%<interface>'."""
    text = socket.inet_ntop(family, raw)
    if family == socket.AF_INET6 and scope_name and _is_link_local(raw):
        text += "%" + scope_name
    return text


def _is_link_local(raw: bytes) -> bool:
    # fe80::/10 unicast or ff02::/16 multicast link-local.
    return (raw[0] == 0xFE and raw[1] & 0xC0 == 0x80) or (raw[0] == 0xFF and raw[1] & 0x0F == 2)


def prefix_mask(family: int, prefixlen: int) -> str:
    """A prefix length as the address-form netmask (dotted for IPv4, IPv6 text else)."""
    bits = 32 if family == socket.AF_INET else 128
    prefixlen = min(prefixlen, bits)
    value = ((1 << prefixlen) - 1) << (bits - prefixlen)
    return socket.inet_ntop(family, value.to_bytes(bits // 8, "big"))
