"""docker_container_fs_changes: files changed in Docker containers' file systems."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import valid_ids
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

KINDS = {0: "C", 1: "A", 2: "D"}


@table(
    "docker_container_fs_changes",
    "Changes to files or directories on container's filesystem.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_container_fs_changes where id = '1234567890abcdef'",
        "select * from docker_container_fs_changes where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Container ID", required=True, index=True, collate="NOCASE"),
        Column("path", TEXT, "FIle or directory path relative to rootfs"),
        Column("change_type", TEXT, "Type of change: C:Modified, A:Added, D:Deleted"),
    ],
)
def docker_container_fs_changes(ctx: QueryContext) -> Iterator[Row]:
    """One row per changed path of each queried container (C changed, A added, D deleted)."""
    ids = valid_ids(ctx.equals("id"))
    if not ids:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container_id in ids:
        for change in client.changes(container_id) or ():
            kind = change.get("Kind")
            path = change.get("Path")
            if type(kind) is not int or kind not in KINDS or not isinstance(path, str):
                continue
            yield {"id": container_id, "path": path, "change_type": KINDS[kind]}
