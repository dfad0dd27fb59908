"""usb_devices: USB devices from sysfs with their udev (usb_id builtin) properties."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hostql.host.devices import UdevDevice
from hostql.host.hwids import IdDatabase
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

# udev's usb_id keeps these characters of descriptor strings and turns others into "_".
_UNSAFE = re.compile(r"[^0-9A-Za-z#+\-.:=@_]")


def udev_safe(text: str) -> str:
    """A descriptor string as udev's usb_id stores it: trimmed, unsafe characters as "_"."""
    return _UNSAFE.sub("_", text.strip())


def properties(device: UdevDevice, usb_ids: IdDatabase | None) -> dict[str, str]:
    """udev's usb_id properties of device, derived from sysfs where udev has not run."""
    found = dict(device.properties)
    if "ID_VENDOR_ID" in found or found.get("DEVTYPE") != "usb_device":
        return found
    # No udev database entry (no udevd, e.g. in containers): compute what usb_id and
    # the hwdb would have stored from the descriptors sysfs shows.
    vendor_id = (device.attribute("idVendor") or "").lower()
    model_id = (device.attribute("idProduct") or "").lower()
    found["ID_VENDOR_ID"], found["ID_MODEL_ID"] = vendor_id, model_id
    for key, attribute in (
        ("ID_REVISION", "bcdDevice"),
        ("ID_MODEL", "product"),
        ("ID_SERIAL_SHORT", "serial"),
    ):
        value = device.attribute(attribute)
        if value is not None:
            found[key] = value if key == "ID_REVISION" else udev_safe(value)
    vendor = usb_ids.get(vendor_id) if usb_ids else None
    if vendor is not None:
        found["ID_VENDOR_FROM_DATABASE"] = vendor.name
        model = vendor.models.get(model_id)
        if model is not None:
            found["ID_MODEL_FROM_DATABASE"] = model.name
    return found


@table(
    "usb_devices",
    "USB devices that are actively plugged into the host system.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from usb_devices",
        "select vendor, model from usb_devices where class = '9'",
    ),
    columns=[
        Column("usb_address", INTEGER, "USB Device used address"),
        Column("usb_port", INTEGER, "USB Device used port"),
        Column("vendor", TEXT, "USB Device vendor string"),
        Column("vendor_id", TEXT, "Hex encoded USB Device vendor identifier", collate="NOCASE"),
        Column("version", TEXT, "USB Device version number", collate="VERSION"),
        Column("model", TEXT, "USB Device model string"),
        Column("model_id", TEXT, "Hex encoded USB Device model identifier", collate="NOCASE"),
        Column("serial", TEXT, "USB Device serial connection"),
        Column("class", TEXT, "USB Device class"),
        Column("subclass", TEXT, "USB Device subclass"),
        Column("protocol", TEXT, "USB Device protocol"),
        Column("removable", INTEGER, "1 If USB device is removable else 0"),
    ],
)
def usb_devices(ctx: QueryContext) -> Iterator[Row]:
    """One row per USB device (interfaces have no bus/device number and are left out)."""
    usb_ids = ctx.host.hwids.usb()
    for device in ctx.host.devices.usb_devices():
        found = properties(device, usb_ids)
        # BUSNUM/DEVNUM are zero-padded ("001"); like osquery, they go to the INTEGER
        # columns as text, so "008" and "009" (invalid octal) read back as NULL.
        address, port = found.get("BUSNUM", ""), found.get("DEVNUM", "")
        if not address or not port:
            continue
        kind = found.get("TYPE", "").split("/")
        usb_class, subclass, protocol = kind if len(kind) == 3 else ("", "", "")
        yield {
            "usb_address": address,
            "usb_port": port,
            "vendor": found.get("ID_VENDOR_FROM_DATABASE", ""),
            "vendor_id": found.get("ID_VENDOR_ID", ""),
            "version": found.get("ID_REVISION", ""),
            "model": found.get("ID_MODEL_FROM_DATABASE") or found.get("ID_MODEL", ""),
            "model_id": found.get("ID_MODEL_ID", ""),
            "serial": found.get("ID_SERIAL_SHORT", ""),
            "class": usb_class,
            "subclass": subclass,
            "protocol": protocol,
            # osquery's quirk: only "unknown" maps to -1; "fixed" is reported as 1 too.
            "removable": -1 if device.attribute("removable") == "unknown" else 1,
        }
