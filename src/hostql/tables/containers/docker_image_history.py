"""docker_image_history: the build history of Docker images."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import valid_ids
from hostql.host.unix_http import integer, strings, text
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_image_history",
    "Docker image history information.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_image_history",
        "select * from docker_image_history where id = '6a2f32de169d'",
        "select * from docker_image_history where id = "
        "'6a2f32de169d14e6f8a84538eaa28f2629872d7d4f580a303b296c60db36fbd7'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Image ID", index=True, collate="NOCASE"),
        Column("created", BIGINT, "Time of creation as UNIX time"),
        Column("size", BIGINT, "Size of instruction in bytes"),
        Column("created_by", TEXT, "Created by instruction"),
        Column("tags", TEXT, "Comma-separated list of tags"),
        Column("comment", TEXT, "Instruction comment"),
    ],
)
def docker_image_history(ctx: QueryContext) -> Iterator[Row]:
    """One row per history entry of each image (or of the queried ids)."""
    ids = valid_ids(ctx.equals("id"))
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    if ids is None:
        images = client.images() or ()
        ids = [text(image.get("Id")).removeprefix("sha256:") for image in images]
    for image_id in ids:
        for entry in client.image_history(image_id) or ():
            yield {
                "id": image_id,
                "created": integer(entry.get("Created")),
                "size": integer(entry.get("Size")),
                "created_by": text(entry.get("CreatedBy")),
                "tags": ",".join(strings(entry.get("Tags"))),
                "comment": text(entry.get("Comment")),
            }
