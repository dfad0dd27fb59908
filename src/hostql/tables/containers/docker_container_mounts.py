"""docker_container_mounts: the mounts of Docker containers."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import display_id, valid_ids
from hostql.host.unix_http import flag, text
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_container_mounts",
    "Docker container mounts.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_container_mounts",
        "select * from docker_container_mounts where id = '1234567890abcdef'",
        "select * from docker_container_mounts where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Container ID", index=True, collate="NOCASE"),
        Column("type", TEXT, "Type of mount (bind, volume)"),
        Column("name", TEXT, "Optional mount name", index=True),
        Column("source", TEXT, "Source path on host"),
        Column("destination", TEXT, "Destination path inside container"),
        Column("driver", TEXT, "Driver providing the mount"),
        Column("mode", TEXT, "Mount options (rw, ro)"),
        Column("rw", INTEGER, "1 if read/write. 0 otherwise"),
        Column("propagation", TEXT, "Mount propagation"),
    ],
)
def docker_container_mounts(ctx: QueryContext) -> Iterator[Row]:
    """One row per mount of each container (running ones, or the queried ids)."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container in client.containers(ids) or ():
        mounts = container.get("Mounts")
        if not isinstance(mounts, list):
            continue
        container_id = display_id(container.get("Id"), ids)
        for mount in mounts:
            if not isinstance(mount, dict):
                continue
            yield {
                "id": container_id,
                "type": text(mount.get("Type")),
                "name": text(mount.get("Name")),
                "source": text(mount.get("Source")),
                "destination": text(mount.get("Destination")),
                "driver": text(mount.get("Driver")),
                "mode": text(mount.get("Mode")),
                "rw": flag(mount.get("RW")),
                "propagation": text(mount.get("Propagation")),
            }
