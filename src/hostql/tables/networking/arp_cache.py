"""arp_cache: the kernel's IPv4 neighbour cache, from /proc/net/arp."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# ATF_COM | ATF_PERM as the kernel prints it.
_PERMANENT_FLAGS = "0x6"


@table(
    "arp_cache",
    "Address resolution cache, both static and dynamic (from ARP, NDP).",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from arp_cache where interface = 'eth0'",),
    notes="Linux reads /proc/net/arp (IPv4 only, as osquery does); permanent is 1 only for "
    "entries whose flags are exactly 0x6 (complete and permanent).",
    columns=[
        Column("address", TEXT, "IPv4 address target"),
        Column("mac", TEXT, "MAC address of broadcasted address", collate="NOCASE"),
        Column("interface", TEXT, "Interface of the network for the MAC"),
        Column("permanent", TEXT, "1 for true, 0 for false"),
    ],
)
def arp_cache(ctx: QueryContext) -> Iterator[Row]:
    """One row per /proc/net/arp entry."""
    for address, flags, mac, device in ctx.host.neighbours.arp():
        yield {
            "address": address,
            "mac": mac,
            "interface": device,
            "permanent": "1" if flags == _PERMANENT_FLAGS else "0",
        }
