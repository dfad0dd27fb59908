"""hardware_events: devices added, removed or changed, from udev's netlink monitor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hostql.events.base import Event, Subscriber
from hostql.events.tables import event_rows
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "hardware_events",
    "Hardware (PCI/USB/HID) events from UDEV or IOKit.",
    platforms=(LINUX, MACOS),
    evented=True,
    examples=(
        "select action, path, type, vendor, model, serial from hardware_events",
        "select * from hardware_events where action = 'add' and type = 'usb_device'",
    ),
    notes="Needs hostqld (or hostqli --disable_events=false). Events come from the udev "
    "daemon's netlink group as osquery reads them, so vendor/model names need a running "
    "udev; --udev_monitor=kernel reads the kernel's raw uevents instead (hosts and "
    "containers without udev: no hwdb names or serials). Devices without a type, or "
    "without node and driver, or without node and model are skipped, as are types named "
    "in --hardware_disabled_types.",
    columns=[
        Column("action", TEXT, "Remove, insert, change properties, etc"),
        Column("path", TEXT, "Local device path assigned (optional)"),
        Column("type", TEXT, "Type of hardware and hardware event"),
        Column("driver", TEXT, "Driver claiming the device"),
        Column("vendor", TEXT, "Hardware device vendor"),
        Column("vendor_id", TEXT, "Hex encoded Hardware vendor identifier", collate="NOCASE"),
        Column("model", TEXT, "Hardware device model"),
        Column("model_id", TEXT, "Hex encoded Hardware model identifier", collate="NOCASE"),
        Column("serial", TEXT, "Device serial (optional)"),
        Column("revision", TEXT, "Device revision (optional)"),
        Column("time", BIGINT, "Time of hardware event", additional=True),
        Column("eid", TEXT, "Event ID", hidden=True),
    ],
)
def hardware_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered device rows (time constraints narrow the read)."""
    yield from event_rows(ctx, "hardware_events")


class HardwareEventsSubscriber(Subscriber):
    """Turns udev device events into hardware_events rows, with osquery's filters."""

    name = "hardware_events"
    publisher = "udev"

    def rows(self, event: Event) -> Iterator[Row]:
        """One row for a typed device with a node or driver, none for the rest."""
        devtype = str(event.get("devtype", ""))
        devnode = str(event.get("devnode", ""))
        driver = str(event.get("driver", ""))
        if not devtype or (not devnode and not driver):
            return
        # osquery searches the type in the flag's text: "partition" also drops a "part" type.
        if devtype in str(self.values["hardware_disabled_types"]):
            return
        properties: Mapping[str, str] = event.get("properties") or {}
        model = properties.get("ID_MODEL_FROM_DATABASE", "")
        if not devnode and not model:
            return
        yield {
            "action": str(event.get("action", "")),
            "path": devnode,
            "type": devtype,
            "driver": driver,
            "vendor": properties.get("ID_VENDOR_FROM_DATABASE", ""),
            "vendor_id": properties.get("ID_VENDOR_ID", ""),
            "model": model,
            "model_id": properties.get("ID_MODEL_ID", ""),
            "serial": properties.get("ID_SERIAL_SHORT", ""),
            "revision": properties.get("ID_REVISION", ""),
        }
