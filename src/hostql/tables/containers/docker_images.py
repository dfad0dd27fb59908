"""docker_images: the images a Docker daemon holds."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import integer, strings, text
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_images",
    "Docker images information.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_images",
        "select * from docker_images where id = '6a2f32de169d'",
        "select * from docker_images where id = "
        "'6a2f32de169d14e6f8a84538eaa28f2629872d7d4f580a303b296c60db36fbd7'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Image ID", collate="NOCASE"),
        Column("created", BIGINT, "Time of creation as UNIX time"),
        Column("size_bytes", BIGINT, "Size of image in bytes"),
        Column("tags", TEXT, "Comma-separated list of repository tags"),
    ],
)
def docker_images(ctx: QueryContext) -> Iterator[Row]:
    """One row per image of GET /images/json."""
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for image in client.images() or ():
        yield {
            "id": text(image.get("Id")).removeprefix("sha256:"),
            "created": integer(image.get("Created")),
            "size_bytes": integer(image.get("Size")),
            "tags": ",".join(strings(image.get("RepoTags"))),
        }
