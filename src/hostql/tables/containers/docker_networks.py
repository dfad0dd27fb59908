"""docker_networks: the networks a Docker daemon manages."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import display_id, local_unix_time, valid_ids
from hostql.host.unix_http import field, flag, text
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_networks",
    "Docker networks information.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_networks",
        "select * from docker_networks where id = 'cfd2ffd49439'",
        "select * from docker_networks where id = "
        "'cfd2ffd494395b75d77539761df40cde06a2b6b497e0c9c1adc6c5a79539bfad'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Network ID", index=True, collate="NOCASE"),
        Column("name", TEXT, "Network name"),
        Column("driver", TEXT, "Network driver"),
        Column("created", BIGINT, "Time of creation as UNIX time"),
        Column("enable_ipv6", INTEGER, "1 if IPv6 is enabled on this network. 0 otherwise"),
        Column("subnet", TEXT, "Network subnet"),
        Column("gateway", TEXT, "Network gateway"),
    ],
)
def docker_networks(ctx: QueryContext) -> Iterator[Row]:
    """One row per network (or per queried id), with its first IPAM subnet."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for network in client.networks(ids) or ():
        row: Row = {
            "id": display_id(network.get("Id"), ids),
            "name": text(network.get("Name")),
            "driver": text(network.get("Driver")),
            # osquery reads the UTC timestamp as local time.
            "created": local_unix_time(text(network.get("Created"))),
            "enable_ipv6": flag(network.get("EnableIPv6")),
        }
        configs = field(network, "IPAM", "Config")
        if isinstance(configs, list) and configs and isinstance(configs[0], dict):
            row["subnet"] = text(configs[0].get("Subnet"))
            row["gateway"] = text(configs[0].get("Gateway"))
        yield row
