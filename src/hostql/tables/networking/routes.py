"""routes: every route of every routing table, from an rtnetlink dump."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable, Iterator

from hostql.host.netlink import (
    RTA_DST,
    RTA_GATEWAY,
    RTA_METRICS,
    RTA_OIF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTAX_HOPLIMIT,
    RTAX_MTU,
    Link,
    Route,
    parse_attributes,
)
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# rtm_type -> osquery's route type (RTN_UNICAST is reported as "gateway", link routes too).
_TYPES = {1: "gateway", 2: "local", 3: "broadcast", 4: "anycast"}
_DEFAULT_ROUTE = {socket.AF_INET: "0.0.0.0", socket.AF_INET6: "::"}


@table(
    "routes",
    "The active route table for the host system.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=(
        "select destination, netmask, gateway, interface from routes where type = 'gateway'",
    ),
    columns=[
        Column("destination", TEXT, "Destination IP address"),
        Column("netmask", INTEGER, "Netmask length"),
        Column("gateway", TEXT, "Route gateway"),
        Column("source", TEXT, "Route source"),
        Column("flags", INTEGER, "Flags to describe route"),
        Column("interface", TEXT, "Route local interface"),
        Column("mtu", INTEGER, "Maximum Transmission Unit for the route"),
        Column("metric", INTEGER, "Cost of route. Lowest is preferred"),
        Column("type", TEXT, "Type of route", additional=True),
        Column("hopcount", INTEGER, "Max hops expected", platforms=("linux", "macos")),
    ],
)
def routes(ctx: QueryContext) -> Iterator[Row]:
    """A row per route of any table (main, local, ...), in the kernel's dump order."""
    netlink = ctx.host.netlink
    links = netlink.links() if ctx.uses("interface") else []
    yield from route_rows(links, netlink.routes())


def route_rows(links: Iterable[Link], routes: Iterable[Route]) -> Iterator[Row]:
    """Rows as osquery's genNetlinkRoutes makes them."""
    names = {link.index: link.name for link in links}
    for route in routes:
        if route.family not in _DEFAULT_ROUTE:
            continue
        attributes = route.attributes
        row: Row = {"metric": 0, "hopcount": 0, "mtu": 0}
        mask = 0
        if RTA_OIF in attributes:
            row["interface"] = names.get(_integer(attributes[RTA_OIF]), "")
        if RTA_GATEWAY in attributes:
            row["gateway"] = _ip(route.family, attributes[RTA_GATEWAY])
        if RTA_PREFSRC in attributes:
            row["source"] = _ip(route.family, attributes[RTA_PREFSRC])
        if RTA_DST in attributes:
            # osquery leaves host routes (/32, /128) with netmask 0.
            if route.dst_len not in (32, 128):
                mask = route.dst_len
            row["destination"] = _ip(route.family, attributes[RTA_DST])
        else:
            row["destination"] = _DEFAULT_ROUTE[route.family]
            mask = route.dst_len
        if RTA_PRIORITY in attributes:
            row["metric"] = _integer(attributes[RTA_PRIORITY])
        if RTA_METRICS in attributes:
            for kind, value in parse_attributes(attributes[RTA_METRICS]):
                if kind == RTAX_MTU:
                    row["mtu"] = _integer(value)
                elif kind == RTAX_HOPLIMIT:
                    row["hopcount"] = _integer(value)
        row["type"] = _TYPES.get(route.type, "other")
        row["flags"] = route.flags
        row["netmask"] = mask
        yield row


def _integer(value: bytes) -> int:
    return struct.unpack_from("=i", value.ljust(4, b"\0"))[0]


def _ip(family: int, raw: bytes) -> str:
    size = 4 if family == socket.AF_INET else 16
    return socket.inet_ntop(family, raw[:size].ljust(size, b"\0"))
