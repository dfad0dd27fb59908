"""docker_network_labels: the labels of Docker networks."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import display_id, valid_ids
from hostql.host.unix_http import text
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_network_labels",
    "Docker network labels.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_network_labels",
        "select * from docker_network_labels where id = '1234567890abcdef'",
        "select * from docker_network_labels where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Network ID", index=True, collate="NOCASE"),
        Column("key", TEXT, "Label key"),
        Column("value", TEXT, "Optional label value"),
    ],
)
def docker_network_labels(ctx: QueryContext) -> Iterator[Row]:
    """One row per label of each network (or of the queried ids)."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for network in client.networks(ids) or ():
        labels = network.get("Labels")
        if not isinstance(labels, dict):
            continue
        network_id = display_id(network.get("Id"), ids)
        for key, value in labels.items():
            yield {"id": network_id, "key": key, "value": text(value)}
