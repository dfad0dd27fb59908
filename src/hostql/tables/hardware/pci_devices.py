"""pci_devices: PCI devices from sysfs, named from the udev hwdb and pci.ids."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.hwids import IdDatabase
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


def split_ids(attribute: str) -> tuple[str, str] | None:
    """("vendor", "model") of a "VVVV:MMMM" uevent value, lowercased; None if malformed."""
    vendor, colon, model = attribute.lower().partition(":")
    if not colon or not model or ":" in model:
        return None
    return vendor, model


def class_ids(attribute: str) -> tuple[str, str] | None:
    """(class, subclass) as 0x-hex of a uevent PCI_CLASS value (5 or 6 hex digits)."""
    text = attribute.lower()
    if len(text) == 5:
        return "0x0" + text[:1], "0x" + text[1:3]
    if len(text) == 6:
        return "0x" + text[:2], "0x" + text[2:4]
    return None


def names_from_pci_ids(row: Row, ids: str, subsystem_ids: str, pci_ids: IdDatabase) -> None:
    """Fill the ID columns of row and replace the udev names with pci.ids ones where known."""
    device = split_ids(ids)
    if device is None:
        # osquery keeps its legacy "0" for devices whose PCI_ID does not parse.
        row["vendor_id"] = row["model_id"] = "0"
        return
    vendor_id, model_id = device
    row["vendor_id"], row["model_id"] = "0x" + vendor_id, "0x" + model_id
    vendor = pci_ids.get(vendor_id)
    model = vendor.models.get(model_id) if vendor else None
    if vendor is not None:
        row["vendor"] = vendor.name
    if model is not None:
        row["model"] = model.name
    subsystem = split_ids(subsystem_ids)
    if subsystem is None:
        return
    sub_vendor_id, sub_model_id = subsystem
    row["subsystem_vendor_id"] = "0x" + sub_vendor_id
    row["subsystem_model_id"] = "0x" + sub_model_id
    sub_vendor = pci_ids.get(sub_vendor_id)
    if sub_vendor is not None:
        row["subsystem_vendor"] = sub_vendor.name
    if model is not None and (name := model.subsystems.get(f"{sub_vendor_id} {sub_model_id}")):
        row["subsystem_model"] = name


@table(
    "pci_devices",
    "PCI devices active on the host system.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from pci_devices",
        "select pci_slot, vendor, model, driver from pci_devices where pci_class_id = '0x02'",
    ),
    notes="Names come from pci.ids (pciutils/hwdata); like osquery, no rows without one.",
    columns=[
        Column("pci_slot", TEXT, "PCI Device used slot"),
        Column("pci_class", TEXT, "PCI Device class"),
        Column("driver", TEXT, "PCI Device used driver"),
        Column("vendor", TEXT, "PCI Device vendor"),
        Column("vendor_id", TEXT, "Hex encoded PCI Device vendor identifier", collate="NOCASE"),
        Column("model", TEXT, "PCI Device model"),
        Column("model_id", TEXT, "Hex encoded PCI Device model identifier", collate="NOCASE"),
        Column(
            "pci_class_id",
            TEXT,
            "PCI Device class ID in hex format",
            collate="NOCASE",
            platforms=("linux",),
        ),
        Column(
            "pci_subclass_id",
            TEXT,
            "PCI Device  subclass in hex format",
            collate="NOCASE",
            platforms=("linux",),
        ),
        Column("pci_subclass", TEXT, "PCI Device subclass", platforms=("linux",)),
        Column(
            "subsystem_vendor_id",
            TEXT,
            "Vendor ID of PCI device subsystem",
            collate="NOCASE",
            platforms=("linux",),
        ),
        Column(
            "subsystem_vendor",
            TEXT,
            "Vendor of PCI device subsystem",
            platforms=("linux",),
        ),
        Column(
            "subsystem_model_id",
            TEXT,
            "Model ID of PCI device subsystem",
            collate="NOCASE",
            platforms=("linux",),
        ),
        Column(
            "subsystem_model",
            TEXT,
            "Device description of PCI device subsystem",
            platforms=("linux",),
        ),
    ],
)
def pci_devices(ctx: QueryContext) -> Iterator[Row]:
    """One row per PCI device in sysfs order; class names come from the udev database only."""
    pci_ids = ctx.host.hwids.pci()
    if pci_ids is None:
        ctx.warn("Unexpected error attempting to read pci.ids: no pci.ids file found")
        return
    for device in ctx.host.devices.pci_devices():
        row: Row = {
            "pci_slot": device.get("PCI_SLOT_NAME"),
            "pci_class": device.get("ID_PCI_CLASS_FROM_DATABASE"),
            "pci_subclass": device.get("ID_PCI_SUBCLASS_FROM_DATABASE"),
            "driver": device.get("DRIVER"),
            "vendor": device.get("ID_VENDOR_FROM_DATABASE"),
            "model": device.get("ID_MODEL_FROM_DATABASE"),
        }
        names_from_pci_ids(row, device.get("PCI_ID"), device.get("PCI_SUBSYS_ID"), pci_ids)
        classes = class_ids(device.get("PCI_CLASS"))
        if classes is not None:
            row["pci_class_id"], row["pci_subclass_id"] = classes
        yield row
