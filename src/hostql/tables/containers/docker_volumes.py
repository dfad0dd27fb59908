"""docker_volumes: the volumes a Docker daemon manages."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import field, text
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_volumes",
    "Docker volumes information.",
    platforms=(LINUX, MACOS),
    examples=("select * from docker_volumes", "select * from docker_volumes where name = 'btrfs'"),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("name", TEXT, "Volume name", index=True),
        Column("driver", TEXT, "Volume driver"),
        Column("mount_point", TEXT, "Mount point"),
        Column("type", TEXT, "Volume type"),
    ],
)
def docker_volumes(ctx: QueryContext) -> Iterator[Row]:
    """One row per volume (or per queried name)."""
    wanted = ctx.equals("name")
    if wanted is not None and not wanted:
        return
    # Docker filters names by substring; SQLite keeps the exact ones.
    names = None if wanted is None else sorted(str(name) for name in wanted)
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for volume in client.volumes(names) or ():
        yield {
            "name": text(volume.get("Name")),
            "driver": text(volume.get("Driver")),
            "mount_point": text(volume.get("Mountpoint")),
            "type": text(field(volume, "Options", "type")),
        }
