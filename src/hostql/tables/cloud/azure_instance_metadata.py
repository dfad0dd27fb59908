"""azure_instance_metadata: the Azure instance metadata service's description of this VM."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.cloud import AZURE, json_text
from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# Column -> key of the compute metadata document.
FIELDS = (
    ("location", "location"),
    ("name", "name"),
    ("offer", "offer"),
    ("publisher", "publisher"),
    ("sku", "sku"),
    ("version", "version"),
    ("os_type", "osType"),
    ("platform_update_domain", "platformUpdateDomain"),
    ("platform_fault_domain", "platformFaultDomain"),
    ("vm_id", "vmId"),
    ("vm_size", "vmSize"),
    ("subscription_id", "subscriptionId"),
    ("resource_group_name", "resourceGroupName"),
    ("placement_group_id", "placementGroupId"),
    ("vm_scale_set_name", "vmScaleSetName"),
    ("zone", "zone"),
)


@table(
    "azure_instance_metadata",
    "Azure instance metadata.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select * from azure_instance_metadata",),
    notes="Only on a host that shows it is an Azure VM (Azure's chassis asset tag, or "
    "/var/log/waagent.log as osquery checks); elsewhere no rows and no network traffic.",
    columns=[
        Column("location", TEXT, "Azure Region the VM is running in"),
        Column("name", TEXT, "Name of the VM"),
        Column("offer", TEXT, "Offer information for the VM image (Azure image gallery VMs only)"),
        Column("publisher", TEXT, "Publisher of the VM image"),
        Column("sku", TEXT, "SKU for the VM image"),
        Column("version", TEXT, "Version of the VM image"),
        Column("os_type", TEXT, "Linux or Windows"),
        Column("platform_update_domain", TEXT, "Update domain the VM is running in"),
        Column("platform_fault_domain", TEXT, "Fault domain the VM is running in"),
        Column("vm_id", TEXT, "Unique identifier for the VM", index=True),
        Column("vm_size", TEXT, "VM size"),
        Column("subscription_id", TEXT, "Azure subscription for the VM"),
        Column("resource_group_name", TEXT, "Resource group for the VM"),
        Column("placement_group_id", TEXT, "Placement group for the VM scale set"),
        Column("vm_scale_set_name", TEXT, "VM scale set name"),
        Column("zone", TEXT, "Availability zone of the VM"),
    ],
)
def azure_instance_metadata(ctx: QueryContext) -> Iterator[Row]:
    """One row on Azure when the metadata service answers; none elsewhere."""
    cloud = ctx.host.cloud
    if not cloud.runs_on(AZURE):
        return
    document = cloud.azure_metadata()
    if document is None:
        ctx.warn("Couldn't fetch Azure instance metadata")
        return
    yield {column: json_text(document.get(key, "")) for column, key in FIELDS}
