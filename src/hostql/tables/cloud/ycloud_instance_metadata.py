"""ycloud_instance_metadata: the Yandex.Cloud metadata service's description of this VM."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hostql.host import cloud as cloud_module
from hostql.host.cloud import YCLOUD
from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "ycloud_instance_metadata",
    "Yandex.Cloud instance metadata.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=(
        "select * from ycloud_instance_metadata",
        'select * from ycloud_instance_metadata where metadata_endpoint="http://169.254.169.254"',
    ),
    notes="Only on a host whose DMI vendor is Yandex; elsewhere no rows and no network "
    "traffic, whatever metadata_endpoint says. metadata_endpoint = X asks that endpoint "
    "instead of http://169.254.169.254.",
    columns=[
        Column("instance_id", TEXT, "Unique identifier for the VM", index=True),
        Column("folder_id", TEXT, "Folder identifier for the VM"),
        Column("cloud_id", TEXT, "Cloud identifier for the VM"),
        Column("name", TEXT, "Name of the VM"),
        Column("description", TEXT, "Description of the VM"),
        Column("hostname", TEXT, "Hostname of the VM"),
        Column("zone", TEXT, "Availability zone of the VM"),
        Column(
            "ssh_public_key",
            TEXT,
            "SSH public key. Only available if supplied at instance launch time",
        ),
        Column("serial_port_enabled", TEXT, "Indicates if serial port is enabled for the VM"),
        Column("metadata_endpoint", TEXT, "Endpoint used to fetch VM metadata", index=True),
    ],
)
def ycloud_instance_metadata(ctx: QueryContext) -> Iterator[Row]:
    """A row per endpoint that answered with an instance document."""
    cloud = ctx.host.cloud
    if not cloud.runs_on(YCLOUD):
        return
    endpoints = sorted(str(e) for e in ctx.equals("metadata_endpoint") or ())
    for endpoint in endpoints or [cloud_module.YCLOUD_METADATA_ENDPOINT]:
        document = cloud.ycloud_metadata(endpoint)
        if document is None:
            ctx.warn(f"Couldn't fetch metadata: endpoint {endpoint}")
            continue
        attributes = document.get("attributes")
        vendor = document.get("vendor")
        yield {
            "instance_id": _string(document, "id"),
            "folder_id": _string(vendor, "folderId"),
            "cloud_id": _string(vendor, "cloudId"),
            "zone": zone_id(_string(document, "zone")),
            "name": _string(document, "name"),
            "description": _string(document, "description"),
            "hostname": _string(document, "hostname"),
            "ssh_public_key": _string(attributes, "ssh-keys"),
            "serial_port_enabled": _string(attributes, "serial-port-enable"),
            "metadata_endpoint": endpoint,
        }


def _string(document: Any, key: str) -> str:
    """document[key] when document is an object and that value a string, else ''."""
    if isinstance(document, dict) and isinstance(document.get(key), str):
        return str(document[key])
    return ""


def zone_id(zone: str) -> str:
    """'projects/<id>/zones/<zone>' -> '<zone>' ('' for anything else)."""
    if not zone.startswith("projects/"):
        return ""
    parts = [p for p in zone.split("/") if p]
    return parts[3] if len(parts) >= 4 else ""
