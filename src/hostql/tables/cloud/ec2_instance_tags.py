"""ec2_instance_tags: this EC2 instance's tags."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

from hostql.host.cloud import EC2
from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "ec2_instance_tags",
    "EC2 instance tag key value pairs.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from ec2_instance_tags",),
    notes="Only on a host whose DMI/hypervisor identifiers show EC2 (elsewhere no rows and no "
    "network traffic). Unlike osquery, which calls the EC2 DescribeTags API with AWS "
    "credentials, the tags are read from the instance metadata service "
    "(meta-data/tags/instance), which needs 'instance metadata tags' enabled on the instance.",
    columns=[
        Column("instance_id", TEXT, "EC2 instance ID"),
        Column("key", TEXT, "Tag key"),
        Column("value", TEXT, "Tag value"),
    ],
)
def ec2_instance_tags(ctx: QueryContext) -> Iterator[Row]:
    """A row per tag of this instance; none off EC2 or when tags cannot be read."""
    cloud = ctx.host.cloud
    if not cloud.runs_on(EC2):
        return
    token = cloud.ec2_token()
    if not token and ctx.flags["aws_disable_imdsv1_fallback"]:
        return
    try:
        document = json.loads(cloud.ec2_get("dynamic/instance-identity/document", token) or "{}")
    except ValueError:
        document = {}
    instance_id = document.get("instanceId", "") if isinstance(document, dict) else ""
    if not instance_id:
        ctx.warn("Instance id and region are empty, returning no results")
        return
    keys = cloud.ec2_get("meta-data/tags/instance", token)
    for key in (k for k in keys.split("\n") if k):
        value = cloud.ec2_get("meta-data/tags/instance/" + quote(key, safe=""), token)
        yield {"instance_id": instance_id, "key": key, "value": value}
