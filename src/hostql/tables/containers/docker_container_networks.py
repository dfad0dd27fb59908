"""docker_container_networks: the networks Docker containers are attached to."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import display_id, valid_ids
from hostql.host.unix_http import field, integer, text
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_container_networks",
    "Docker container networks.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_container_networks",
        "select * from docker_container_networks where id = '1234567890abcdef'",
        "select * from docker_container_networks where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Container ID", index=True, collate="NOCASE"),
        Column("name", TEXT, "Network name", index=True),
        Column("network_id", TEXT, "Network ID", collate="NOCASE"),
        Column("endpoint_id", TEXT, "Endpoint ID", collate="NOCASE"),
        Column("gateway", TEXT, "Gateway"),
        Column("ip_address", TEXT, "IP address"),
        Column("ip_prefix_len", INTEGER, "IP subnet prefix length"),
        Column("ipv6_gateway", TEXT, "IPv6 gateway"),
        Column("ipv6_address", TEXT, "IPv6 address"),
        Column("ipv6_prefix_len", INTEGER, "IPv6 subnet prefix length"),
        Column("mac_address", TEXT, "MAC address", collate="NOCASE"),
    ],
)
def docker_container_networks(ctx: QueryContext) -> Iterator[Row]:
    """One row per network of each container (running ones, or the queried ids)."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container in client.containers(ids) or ():
        networks = field(container, "NetworkSettings", "Networks")
        if not isinstance(networks, dict):
            continue
        container_id = display_id(container.get("Id"), ids)
        for name, network in networks.items():
            if not isinstance(network, dict):
                continue
            yield {
                "id": container_id,
                "name": name,
                "network_id": text(network.get("NetworkID")),
                "endpoint_id": text(network.get("EndpointID")),
                "gateway": text(network.get("Gateway")),
                "ip_address": text(network.get("IPAddress")),
                "ip_prefix_len": integer(network.get("IPPrefixLen")),
                "ipv6_gateway": text(network.get("IPv6Gateway")),
                "ipv6_address": text(network.get("GlobalIPv6Address")),
                "ipv6_prefix_len": integer(network.get("GlobalIPv6PrefixLen")),
                "mac_address": text(network.get("MacAddress")),
            }
