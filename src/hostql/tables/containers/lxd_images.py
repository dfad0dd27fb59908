"""lxd_images: the images of an LXD server."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.lxd_api import JsonObject
from hostql.host.unix_http import field, flag, integer, text
from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

SOURCE = ("server", "protocol", "certificate", "alias")


def image_row(image: JsonObject, image_id: str) -> Row:
    """The columns of one image."""
    properties = image.get("properties")
    aliases = image.get("aliases")
    row: Row = {
        "id": image_id,
        "architecture": text(image.get("architecture")),
        "os": text(field(properties, "os")),
        "release": text(field(properties, "release")),
        "description": text(field(properties, "description")),
        "aliases": ",".join(text(a.get("name")) for a in aliases or () if isinstance(a, dict)),
        "filename": text(image.get("filename")),
        "size": integer(image.get("size"), None),
        "auto_update": flag(image.get("auto_update")),
        "cached": flag(image.get("cached")),
        "public": flag(image.get("public")),
        "created_at": text(image.get("created_at")),
        "expires_at": text(image.get("expires_at")),
        "uploaded_at": text(image.get("uploaded_at")),
        "last_used_at": text(image.get("last_used_at")),
    }
    for key in SOURCE:
        row[f"update_source_{key}"] = text(field(image, "update_source", key))
    return row


@table(
    "lxd_images",
    "LXD images information.",
    platforms=(LINUX,),
    examples=(
        "select * from lxd_images",
        "select * from lxd_images where id = '0931b693c8'",
        "select * from lxd_images where id = "
        "'0931b693c877ef357b9e17b3195ae952a2450873923ffd2b34b60836ea730cfa'",
    ),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("id", TEXT, "Image ID", index=True, collate="NOCASE"),
        Column("architecture", TEXT, "Target architecture for the image"),
        Column("os", TEXT, "OS on which image is based"),
        Column("release", TEXT, "OS release version on which the image is based"),
        Column("description", TEXT, "Image description"),
        Column("aliases", TEXT, "Comma-separated list of image aliases"),
        Column("filename", TEXT, "Filename of the image file"),
        Column("size", BIGINT, "Size of image in bytes"),
        Column("auto_update", INTEGER, "Whether the image auto-updates (1) or not (0)"),
        Column("cached", INTEGER, "Whether image is cached (1) or not (0)"),
        Column("public", INTEGER, "Whether image is public (1) or not (0)"),
        Column("created_at", TEXT, "ISO time of image creation"),
        Column("expires_at", TEXT, "ISO time of image expiration"),
        Column("uploaded_at", TEXT, "ISO time of image upload"),
        Column(
            "last_used_at",
            TEXT,
            "ISO time for the most recent use of this image in terms of container spawn",
        ),
        Column("update_source_server", TEXT, "Server for image update"),
        Column(
            "update_source_protocol",
            TEXT,
            "Protocol used for image information update and image import from source server",
        ),
        Column("update_source_certificate", TEXT, "Certificate for update source server"),
        Column("update_source_alias", TEXT, "Alias of image at update source server"),
    ],
)
def lxd_images(ctx: QueryContext) -> Iterator[Row]:
    """One row per image; a queried id may be a fingerprint prefix and is echoed back."""
    ids = ctx.equals("id")
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    if ids is None:
        for image in client.images() or ():
            yield image_row(image, text(image.get("fingerprint")))
        return
    for image_id in sorted(map(str, ids)):
        image = client.image(image_id)
        if image is not None:
            yield image_row(image, image_id)
