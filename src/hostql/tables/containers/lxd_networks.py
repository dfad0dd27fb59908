"""lxd_networks: the networks an LXD server sees."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.lxd_api import strip_instance_url
from hostql.host.unix_http import field, flag, integer, strings, text
from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

COUNTERS = ("bytes_received", "bytes_sent", "packets_received", "packets_sent")
STATE = (*COUNTERS, "hwaddr", "state", "mtu")


@table(
    "lxd_networks",
    "LXD network information.",
    platforms=(LINUX,),
    examples=("select * from lxd_networks",),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("name", TEXT, "Name of the network"),
        Column("type", TEXT, "Type of network"),
        Column("managed", INTEGER, "1 if network created by LXD, 0 otherwise"),
        Column("ipv4_address", TEXT, "IPv4 address"),
        Column("ipv6_address", TEXT, "IPv6 address"),
        Column("used_by", TEXT, "URLs for containers using this network"),
        Column("bytes_received", BIGINT, "Number of bytes received on this network"),
        Column("bytes_sent", BIGINT, "Number of bytes sent on this network"),
        Column("packets_received", BIGINT, "Number of packets received on this network"),
        Column("packets_sent", BIGINT, "Number of packets sent on this network"),
        Column("hwaddr", TEXT, "Hardware address for this network"),
        Column("state", TEXT, "Network status"),
        Column("mtu", INTEGER, "MTU size"),
    ],
)
def lxd_networks(ctx: QueryContext) -> Iterator[Row]:
    """One row per network, with its state and traffic counters."""
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    for network in client.networks() or ():
        name = text(network.get("name"))
        row: Row = {
            "name": name,
            "type": text(network.get("type")),
            "managed": flag(network.get("managed")),
            "ipv4_address": text(field(network, "config", "ipv4.address")),
            "ipv6_address": text(field(network, "config", "ipv6.address")),
            "used_by": ",".join(map(strip_instance_url, strings(network.get("used_by")))),
        }
        state = client.network_state(name) if name and ctx.uses_any(STATE) else None
        if state is not None:
            counters = state.get("counters")
            for key in COUNTERS:
                row[key] = integer(field(counters, key), None)
            row["hwaddr"] = text(state.get("hwaddr"))
            row["state"] = text(state.get("state"))
            row["mtu"] = integer(state.get("mtu"), None)
        yield row
