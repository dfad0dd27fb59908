"""docker_container_envs: the environment variables of Docker containers."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import display_id, valid_ids
from hostql.host.unix_http import field, strings
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_container_envs",
    "Docker container environment variables.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_container_envs",
        "select * from docker_container_envs where id = '1234567890abcdef'",
        "select * from docker_container_envs where id = "
        "'11b2399e1426d906e62a0c657650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Container ID", index=True, collate="NOCASE"),
        Column("key", TEXT, "Environment variable name"),
        Column("value", TEXT, "Environment variable value"),
    ],
)
def docker_container_envs(ctx: QueryContext) -> Iterator[Row]:
    """One row per Config.Env entry of each container (running ones, or the queried ids)."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container in client.containers(ids) or ():
        container_id = display_id(container.get("Id"), ids)
        details = client.inspect(container_id)
        if details is None:
            continue
        for entry in strings(field(details, "Config", "Env")):
            key, sep, value = entry.partition("=")
            # osquery takes substr(npos + 1): an entry without "=" is its own value.
            yield {"id": container_id, "key": key, "value": value if sep else entry}
