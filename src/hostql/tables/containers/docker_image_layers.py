"""docker_image_layers: the file system layers of Docker images."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import valid_ids
from hostql.host.unix_http import field, strings, text
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_image_layers",
    "Docker image layers information.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_image_layers",
        "select * from docker_image_layers where id = '6a2f32de169d'",
        "select * from docker_image_layers where id = "
        "'6a2f32de169d14e6f8a84538eaa28f2629872d7d4f580a303b296c60db36fbd7'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Image ID", index=True, collate="NOCASE"),
        Column("layer_id", TEXT, "Layer ID", collate="NOCASE"),
        Column("layer_order", INTEGER, "Layer Order (1 = base layer)"),
    ],
)
def docker_image_layers(ctx: QueryContext) -> Iterator[Row]:
    """One row per RootFS layer of each image (or of the queried ids), numbered from 1."""
    ids = valid_ids(ctx.equals("id"))
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    if ids is None:
        images = client.images() or ()
        ids = [text(image.get("Id")).removeprefix("sha256:") for image in images]
    for image_id in ids:
        details = client.image(image_id)
        if details is None:
            continue
        layers = strings(field(details, "RootFS", "Layers"))
        for order, layer in enumerate(layers, 1):
            yield {
                "id": image_id,
                "layer_id": layer.removeprefix("sha256:"),
                "layer_order": order,
            }
