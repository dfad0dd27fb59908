"""docker_image_labels: the labels of Docker images."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import display_id, valid_ids
from hostql.host.unix_http import text
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_image_labels",
    "Docker image labels.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_image_labels",
        "select * from docker_image_labels where id = '1234567890abcdef'",
        "select * from docker_image_labels where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Image ID", index=True, collate="NOCASE"),
        Column("key", TEXT, "Label key"),
        Column("value", TEXT, "Optional label value"),
    ],
)
def docker_image_labels(ctx: QueryContext) -> Iterator[Row]:
    """One row per label of each image."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for image in client.images() or ():
        labels = image.get("Labels")
        if not isinstance(labels, dict):
            continue
        image_id = display_id(image.get("Id"), ids)
        for key, value in labels.items():
            yield {"id": image_id, "key": key, "value": text(value)}
