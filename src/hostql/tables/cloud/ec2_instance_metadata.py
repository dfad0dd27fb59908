"""ec2_instance_metadata: the EC2 instance metadata service's description of this instance."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hostql.host.cloud import EC2, json_text
from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# Columns read from the instance identity document, by its JSON keys.
IDENTITY = (
    ("instance_id", "instanceId"),
    ("instance_type", "instanceType"),
    ("local_ipv4", "privateIp"),
    ("availability_zone", "availabilityZone"),
    ("region", "region"),
    ("account_id", "accountId"),
    ("architecture", "architecture"),
    ("ami_id", "imageId"),
)
# Columns that are one metadata resource each.
RESOURCES = (
    ("mac", "meta-data/mac"),
    ("local_hostname", "meta-data/local-hostname"),
    ("ssh_public_key", "meta-data/public-keys/0/openssh-key"),
    ("reservation_id", "meta-data/reservation-id"),
    ("security_groups", "meta-data/security-groups"),
)


@table(
    "ec2_instance_metadata",
    "EC2 instance metadata.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from ec2_instance_metadata",),
    notes="Only on a host whose DMI/hypervisor identifiers show EC2 (elsewhere no rows and no "
    "network traffic). Uses an IMDSv2 token, falling back to IMDSv1 unless "
    "--aws_disable_imdsv1_fallback. Like osquery, newlines are removed from values (so "
    "several security groups run together) and a resource that fails is left NULL.",
    columns=[
        Column("instance_id", TEXT, "EC2 instance ID"),
        Column("instance_type", TEXT, "EC2 instance type"),
        Column("architecture", TEXT, "Hardware architecture of this EC2 instance"),
        Column("region", TEXT, "AWS region in which this instance launched"),
        Column("availability_zone", TEXT, "Availability zone in which this instance launched"),
        Column(
            "local_hostname",
            TEXT,
            "Private IPv4 DNS hostname of the first interface of this instance",
        ),
        Column("local_ipv4", TEXT, "Private IPv4 address of the first interface of this instance"),
        Column(
            "mac",
            TEXT,
            "MAC address for the first network interface of this EC2 instance",
            collate="NOCASE",
        ),
        Column("security_groups", TEXT, "Comma separated list of security group names"),
        Column(
            "iam_arn",
            TEXT,
            "If there is an IAM role associated with the instance, contains instance profile ARN",
        ),
        Column("ami_id", TEXT, "AMI ID used to launch this EC2 instance"),
        Column("reservation_id", TEXT, "ID of the reservation"),
        Column("account_id", TEXT, "AWS account ID which owns this EC2 instance"),
        Column(
            "ssh_public_key",
            TEXT,
            "SSH public key. Only available if supplied at instance launch time",
        ),
    ],
)
def ec2_instance_metadata(ctx: QueryContext) -> Iterator[Row]:
    """One row on EC2 (the resources the query uses); none elsewhere."""
    cloud = ctx.host.cloud
    if not cloud.runs_on(EC2):
        return
    row: Row = {}
    token = cloud.ec2_token()
    if not token and ctx.flags["aws_disable_imdsv1_fallback"]:
        ctx.warn("Could not retrieve an IMDSv2 token and the IMDSv1 fallback is disabled")
        yield row
        return
    if ctx.uses_any(c for c, _ in IDENTITY):
        _json_fields(cloud.ec2_get("dynamic/instance-identity/document", token), IDENTITY, row)
    if ctx.uses("iam_arn"):
        _json_fields(
            cloud.ec2_get("meta-data/iam/info", token), (("iam_arn", "InstanceProfileArn"),), row
        )
    for column, suffix in RESOURCES:
        if ctx.uses(column):
            body = cloud.ec2_get(suffix, token)
            if body:
                row[column] = body.replace("\n", "")
    yield row


def _json_fields(body: str, fields: tuple[tuple[str, str], ...], row: Row) -> None:
    """Columns from a JSON document's keys ('' for a missing key; nothing if it is not JSON)."""
    if not body:
        return
    try:
        document = json.loads(body)
    except ValueError:
        return
    if not isinstance(document, dict):
        return
    for column, key in fields:
        row[column] = json_text(document.get(key, "")).replace("\n", "")
