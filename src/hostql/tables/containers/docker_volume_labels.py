"""docker_volume_labels: the labels of Docker volumes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import text
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_volume_labels",
    "Docker volume labels.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_volume_labels",
        "select * from docker_volume_labels where name = 'btrfs'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("name", TEXT, "Volume name", index=True),
        Column("key", TEXT, "Label key", index=True),
        Column("value", TEXT, "Optional label value"),
    ],
)
def docker_volume_labels(ctx: QueryContext) -> Iterator[Row]:
    """One row per label of each volume (or of the queried names)."""
    wanted = ctx.equals("name")
    if wanted is not None and not wanted:
        return
    names = None if wanted is None else sorted(str(name) for name in wanted)
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for volume in client.volumes(names) or ():
        labels = volume.get("Labels")
        if not isinstance(labels, dict):
            continue
        name = text(volume.get("Name"))
        for key, value in labels.items():
            yield {"name": name, "key": key, "value": text(value)}
