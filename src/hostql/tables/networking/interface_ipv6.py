"""interface_ipv6: per-interface IPv6 settings, from /proc/sys/net/ipv6/conf."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "interface_ipv6",
    "IPv6 configuration and stats of network interfaces.",
    platforms=(LINUX, MACOS),
    examples=("select * from interface_ipv6 where interface = 'lo'",),
    notes="Linux reads /proc/sys/net/ipv6/conf/<interface>/{hop_limit,forwarding,"
    "accept_redirects,accept_ra}; a value that cannot be read is -1. As in osquery, "
    "redirect_accept combines the interface and 'all' settings (AND when forwarding, else OR) "
    "and rtadv_accept is 1 when accept_ra is 2, else accept_ra && !forwarding.",
    columns=[
        Column("interface", TEXT, "Interface name"),
        Column("hop_limit", INTEGER, "Current Hop Limit"),
        Column("forwarding_enabled", INTEGER, "Enable IP forwarding"),
        Column("redirect_accept", INTEGER, "Accept ICMP redirect messages"),
        Column("rtadv_accept", INTEGER, "Accept ICMP Router Advertisement"),
    ],
)
def interface_ipv6(ctx: QueryContext) -> Iterator[Row]:
    """One row per network interface (an interface constraint limits which are read)."""
    reader = ctx.host.neighbours
    wanted = ctx.equals("interface")
    redirect_all = None
    for name in reader.interfaces():
        if wanted is not None and name not in wanted:
            continue
        if redirect_all is None:
            redirect_all = reader.ipv6_setting("all", "redirect_accept")
        forwarding = reader.ipv6_setting(name, "forwarding_enabled")
        redirect = reader.ipv6_setting(name, "redirect_accept")
        rtadv = reader.ipv6_setting(name, "rtadv_accept")
        # C truthiness, as osquery computes it: -1 (unreadable) counts as true.
        if forwarding:
            redirect_accept = int(bool(redirect_all) and bool(redirect))
        else:
            redirect_accept = int(bool(redirect_all) or bool(redirect))
        yield {
            "interface": name,
            "hop_limit": reader.ipv6_setting(name, "hop_limit"),
            "forwarding_enabled": forwarding,
            "redirect_accept": redirect_accept,
            "rtadv_accept": 1 if rtadv == 2 else int(bool(rtadv) and not forwarding),
        }
