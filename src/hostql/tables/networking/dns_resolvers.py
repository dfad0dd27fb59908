"""dns_resolvers: the resolver configuration glibc's res_init() reads from /etc/resolv.conf."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "dns_resolvers",
    "Resolvers used by this host. Note: On Windows this data is available in the "
    "interface_details table.",
    platforms=(LINUX, MACOS),
    examples=("select * from dns_resolvers where type = 'nameserver'",),
    notes="Parses /etc/resolv.conf as glibc's res_init() does. As in osquery, IPv6 "
    "nameservers have an empty address, every search row repeats the first search domain, "
    "and a sortlist netmask is its network-order bytes read as a host integer. "
    "pid_with_namespace is not supported (always 0).",
    columns=[
        Column("id", INTEGER, "Address type index or order"),
        Column("type", TEXT, "Address type: sortlist, nameserver, search"),
        Column("address", TEXT, "Resolver IP/IPv6 address"),
        Column("netmask", TEXT, "Address (sortlist) netmask length"),
        Column("options", BIGINT, "Resolver options"),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def dns_resolvers(ctx: QueryContext) -> Iterator[Row]:
    """Nameserver rows, then sortlist rows, then search rows, each with the resolver options."""
    state = ctx.host.etc_files.resolver()
    options = state.options
    for i, address in enumerate(state.nameservers):
        yield {
            "id": i,
            "type": "nameserver",
            "address": address,
            "netmask": "32",
            "options": options,
            "pid_with_namespace": 0,
        }
    for i, (address, mask) in enumerate(state.sortlist):
        yield {
            "id": i,
            "type": "sortlist",
            "address": address,
            "netmask": str(mask),
            "options": options,
            "pid_with_namespace": 0,
        }
    for i in range(len(state.search)):
        # osquery's quirk: every search row carries the first domain.
        yield {
            "id": i,
            "type": "search",
            "address": state.search[0],
            "options": options,
            "pid_with_namespace": 0,
        }
