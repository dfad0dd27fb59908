"""interface_details: link-level facts and counters of each network interface."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hostql.host.netlink import Link
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# The flags osquery takes from /sys/class/net/<if>/flags (the device's own flags) rather
# than from the link message: UP, DEBUG, NOTRAILERS, NOARP, PROMISC, ALLMULTI, MULTICAST,
# PORTSEL, AUTOMEDIA and DYNAMIC.
SYSFS_FLAGS = 0x1 | 0x4 | 0x20 | 0x80 | 0x100 | 0x200 | 0x1000 | 0x2000 | 0x4000 | 0x8000
_COUNTERS = {
    "ipackets": "rx_packets",
    "opackets": "tx_packets",
    "ibytes": "rx_bytes",
    "obytes": "tx_bytes",
    "ierrors": "rx_errors",
    "oerrors": "tx_errors",
    "idrops": "rx_dropped",
    "odrops": "tx_dropped",
    "collisions": "collisions",
}
_WINDOWS = ("windows",)


@table(
    "interface_details",
    "Detailed information and stats of network interfaces.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=(
        "select interface, mac, type, idrops as input_drops from interface_details;",
        "select interface, mac, type, flags, (1<<8) as promisc_flag from interface_details "
        "where (flags & promisc_flag) > 0;",
        "select interface, mac, type, flags, (1<<3) as loopback_flag from interface_details "
        "where (flags & loopback_flag) > 0;",
    ),
    notes="Counters are the kernel's 64-bit ones (osquery reads 32-bit counters that wrap).",
    columns=[
        Column("interface", TEXT, "Interface name"),
        Column("mac", TEXT, "MAC of interface (optional)", collate="NOCASE"),
        Column("type", INTEGER, "Interface type (includes virtual)"),
        Column("mtu", INTEGER, "Network MTU"),
        Column("metric", INTEGER, "Metric based on the speed of the interface"),
        Column("flags", INTEGER, "Flags (netdevice) for the device"),
        Column("ipackets", BIGINT, "Input packets"),
        Column("opackets", BIGINT, "Output packets"),
        Column("ibytes", BIGINT, "Input bytes"),
        Column("obytes", BIGINT, "Output bytes"),
        Column("ierrors", BIGINT, "Input errors"),
        Column("oerrors", BIGINT, "Output errors"),
        Column("idrops", BIGINT, "Input drops"),
        Column("odrops", BIGINT, "Output drops"),
        Column("collisions", BIGINT, "Packet Collisions detected"),
        Column("last_change", BIGINT, "Time of last device modification (optional)"),
        Column("link_speed", BIGINT, "Interface speed in Mb/s", platforms=("linux", "macos")),
        Column("pci_slot", TEXT, "PCI slot number", platforms=("linux",)),
        Column("friendly_name", TEXT, "", platforms=_WINDOWS),
        Column("description", TEXT, "", platforms=_WINDOWS),
        Column("manufacturer", TEXT, "", platforms=_WINDOWS),
        Column("connection_id", TEXT, "", platforms=_WINDOWS),
        Column("connection_status", TEXT, "", platforms=_WINDOWS),
        Column("enabled", INTEGER, "", platforms=_WINDOWS),
        Column("physical_adapter", INTEGER, "", platforms=_WINDOWS),
        Column("speed", INTEGER, "", platforms=_WINDOWS),
        Column("service", TEXT, "", platforms=_WINDOWS),
        Column("dhcp_enabled", INTEGER, "", platforms=_WINDOWS),
        Column("dhcp_lease_expires", TEXT, "", platforms=_WINDOWS),
        Column("dhcp_lease_obtained", TEXT, "", platforms=_WINDOWS),
        Column("dhcp_server", TEXT, "", platforms=_WINDOWS),
        Column("dns_domain", TEXT, "", platforms=_WINDOWS),
        Column("dns_domain_suffix_search_order", TEXT, "", platforms=_WINDOWS),
        Column("dns_host_name", TEXT, "", platforms=_WINDOWS),
        Column("dns_server_search_order", TEXT, "", platforms=_WINDOWS),
    ],
)
def interface_details(ctx: QueryContext) -> Iterator[Row]:
    """A row per interface, in ifindex order."""
    netlink = ctx.host.netlink
    wants_speed = ctx.uses("link_speed")
    wants_slot = ctx.uses("pci_slot")
    for link in netlink.links():
        row = link_row(link, netlink.sysfs(link.name, "flags"))
        if link.stats is not None:
            if wants_speed:
                row["link_speed"] = link_speed(netlink.sysfs(link.name, "speed"))
            if wants_slot:
                slot = netlink.bus_info(link.name)
                row["pci_slot"] = "-1" if slot is None else slot
        yield row


def link_row(link: Link, sysfs_flags: str | None) -> Row:
    """The columns a link message and the sysfs flags file give (osquery's rules)."""
    row: Row = {"interface": link.name, "mac": mac_text(link.address)}
    if link.stats is None:
        return row
    flags = link.flags & ~SYSFS_FLAGS
    if sysfs_flags is not None and sysfs_flags.startswith("0x") and len(sysfs_flags) > 3:
        # A malformed file adds nothing, as in osquery.
        with contextlib.suppress(ValueError):
            flags |= int(sysfs_flags[2:].strip(), 16) & SYSFS_FLAGS
    row.update(
        type=link.type,
        mtu=link.mtu if link.mtu is not None else 0,
        metric=0,
        flags=flags,
        last_change=-1,
        link_speed=0,
    )
    row.update({column: link.stats[name] for column, name in _COUNTERS.items()})
    return row


def mac_text(address: bytes | None) -> str:
    """The first six bytes of a hardware address (zero-padded), as SIOCGIFHWADDR gives them."""
    raw = (address or b"")[:6].ljust(6, b"\0")
    return ":".join(f"{byte:02x}" for byte in raw)


def link_speed(text: str | None) -> int:
    """Mb/s from the sysfs speed file; 0 when unknown (-1) or unreadable."""
    try:
        speed = int((text or "").strip())
    except ValueError:
        return 0
    return speed if 0 <= speed < 0xFFFFFFFF else 0
