"""azure_instance_tags: this Azure VM's tags, from the instance metadata service."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.cloud import AZURE, json_text
from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "azure_instance_tags",
    "Azure instance tags.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from azure_instance_tags",),
    notes="Only on a host that shows it is an Azure VM; elsewhere no rows and no network "
    "traffic. The metadata's 'tags' text ('k1:v1;k2:v2') is split as osquery does: a tag "
    "without ':' is skipped, the value is everything after the first ':'.",
    columns=[
        Column("vm_id", TEXT, "Unique identifier for the VM"),
        Column("key", TEXT, "The tag key"),
        Column("value", TEXT, "The tag value"),
    ],
)
def azure_instance_tags(ctx: QueryContext) -> Iterator[Row]:
    """A row per tag of this VM."""
    cloud = ctx.host.cloud
    if not cloud.runs_on(AZURE):
        return
    document = cloud.azure_metadata()
    if document is None:
        ctx.warn("Couldn't fetch Azure instance metadata")
        return
    vm_id = json_text(document.get("vmId", ""))
    for tag in json_text(document.get("tags", "")).split(";"):
        key, colon, value = tag.partition(":")
        if colon:
            yield {"vm_id": vm_id, "key": key, "value": value}
