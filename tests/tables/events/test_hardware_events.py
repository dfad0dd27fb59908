"""hardware_events: spec, osquery's row filters, and recorded uevents read back through SQL."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hostql.events.bus import EventRuntime
from hostql.events.publishers.udev import UdevPublisher, event_of
from hostql.events.service import EventsConfig
from hostql.events.store import EventStore, MemoryStore
from hostql.flags import FlagValues, default_values
from hostql.host import udev_netlink
from hostql.host.udev_netlink import kernel_message, parse, udev_message
from hostql.tables.events.hardware_events import HardwareEventsSubscriber, hardware_events
from hostql.testing import engine_for

USB = {
    "ACTION": "add",
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-2",
    "SUBSYSTEM": "usb",
    "DEVNAME": "/dev/bus/usb/001/004",
    "DEVTYPE": "usb_device",
    "DRIVER": "usb",
    "SEQNUM": "4410",
    "ID_VENDOR_ID": "046d",
    "ID_MODEL_ID": "C52B",
    "ID_REVISION": "1211",
    "ID_SERIAL_SHORT": "",
    "ID_VENDOR_FROM_DATABASE": "Logitech, Inc.",
    "ID_MODEL_FROM_DATABASE": "Unifying Receiver",
}
PARTITION = {
    "ACTION": "add",
    "DEVPATH": "/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1",
    "SUBSYSTEM": "block",
    "DEVNAME": "/dev/sda1",
    "DEVTYPE": "partition",
    "SEQNUM": "4411",
}
DISK = {**PARTITION, "DEVNAME": "/dev/sda", "DEVTYPE": "disk", "ID_SERIAL_SHORT": "WD-123"}
# A USB interface: a driver but no node, and no hwdb model: osquery skips it.
INTERFACE = {
    "ACTION": "add",
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0",
    "SUBSYSTEM": "usb",
    "DEVTYPE": "usb_interface",
    "DRIVER": "usbhid",
    "SEQNUM": "4412",
}
NET = {"ACTION": "change", "DEVPATH": "/devices/virtual/net/lo", "SUBSYSTEM": "net", "SEQNUM": "9"}


def _rows(properties: dict[str, str], values: FlagValues | None = None) -> list[dict[str, Any]]:
    subscriber = HardwareEventsSubscriber(values or default_values())
    return list(subscriber.rows(event_of(parse(udev_message(properties)))))


def test_spec_matches_osquery(reference_tables: dict[str, dict[str, Any]]) -> None:
    ref = reference_tables["hardware_events"]
    assert hardware_events.create_table_sql(osquery_only=True) == ref["create_table_sql_on_linux"]
    assert hardware_events.evented


def test_usb_device_row() -> None:
    assert _rows(USB) == [
        {
            "action": "add",
            "path": "/dev/bus/usb/001/004",
            "type": "usb_device",
            "driver": "usb",
            "vendor": "Logitech, Inc.",
            "vendor_id": "046d",
            "model": "Unifying Receiver",
            "model_id": "C52B",
            "serial": "",
            "revision": "1211",
        }
    ]


def test_disk_without_driver_keeps_its_node_and_serial() -> None:
    (row,) = _rows(DISK)
    found = (row["path"], row["type"], row["driver"], row["serial"])
    assert found == ("/dev/sda", "disk", "", "WD-123")
    assert row["model"] == ""


@pytest.mark.parametrize(
    ("properties", "why"),
    [
        (NET, "no type"),
        ({**INTERFACE, "DRIVER": ""}, "no node and no driver"),
        (INTERFACE, "no node and no model"),
        (PARTITION, "partition is disabled by default"),
    ],
)
def test_skipped_events(properties: dict[str, str], why: str) -> None:
    assert _rows(properties) == [], why


def test_interface_with_a_hwdb_model_gives_a_row() -> None:
    (row,) = _rows({**INTERFACE, "ID_MODEL_FROM_DATABASE": "Unifying Receiver"})
    assert (row["path"], row["driver"], row["model"]) == ("", "usbhid", "Unifying Receiver")


def test_disabled_types_is_a_substring_search() -> None:
    values = default_values()
    values.set("hardware_disabled_types", "usb_device,disk")
    assert _rows(USB, values) == []
    assert _rows(DISK, values) == []
    assert len(_rows(PARTITION, values)) == 1
    # osquery searches the type inside the flag's text.
    assert _rows({**DISK, "DEVTYPE": "dis"}, values) == []


def test_kernel_uevents_give_relative_nodes_made_absolute() -> None:
    subscriber = HardwareEventsSubscriber(default_values())
    kernel_disk = {**DISK, "DEVNAME": "sda"}
    (row,) = subscriber.rows(event_of(parse(kernel_message(kernel_disk))))
    assert row["path"] == "/dev/sda"


class PairedUdev(UdevPublisher):
    """The udev publisher reading one end of a socketpair instead of netlink."""

    def __init__(self, values: FlagValues) -> None:
        super().__init__(values)
        self.sender, self.receiver = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.receiver.setsockopt(socket.SOL_SOCKET, udev_netlink.SO_PASSCRED, 1)
        self.trusted_uids = frozenset({os.getuid()})

    def setup(self) -> None:
        self.socket = self.receiver

    def teardown(self) -> None:
        self.socket = None


class Status:
    """A StatusSink keeping every line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(message)

    def warning(self, message: str) -> None:
        self.lines.append(message)

    def error(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture
def paired() -> Iterator[tuple[PairedUdev, Any]]:
    values = default_values()
    status = Status()
    store = EventStore(MemoryStore(), values, status, daemon=False)
    publisher = PairedUdev(values)
    runtime = EventRuntime(values, store, status, [publisher], [HardwareEventsSubscriber(values)])
    engine = engine_for(hardware_events, flags=values)
    engine.runtime.events = store
    runtime.configure(EventsConfig())
    runtime.start()
    yield publisher, engine
    runtime.stop(timeout=5)
    engine.close()
    publisher.sender.close()
    publisher.receiver.close()


def test_recorded_messages_become_rows(paired: tuple[PairedUdev, Any]) -> None:
    publisher, engine = paired
    for properties in (USB, PARTITION, INTERFACE, DISK, {**USB, "ACTION": "remove", "SEQNUM": "1"}):
        publisher.sender.send(udev_message(properties))
    sql = "select action, path, type, vendor_id, model_id from hardware_events order by eid"
    deadline = time.monotonic() + 5
    rows = engine.query(sql)
    while len(rows) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
        rows = engine.query(sql)
    assert rows == [
        {
            "action": "add",
            "path": "/dev/bus/usb/001/004",
            "type": "usb_device",
            "vendor_id": "046d",
            "model_id": "C52B",
        },
        {"action": "add", "path": "/dev/sda", "type": "disk", "vendor_id": "", "model_id": ""},
        {
            "action": "remove",
            "path": "/dev/bus/usb/001/004",
            "type": "usb_device",
            "vendor_id": "046d",
            "model_id": "C52B",
        },
    ]
    # vendor_id and model_id compare without case, as osquery declares them.
    assert len(engine.query("select * from hardware_events where model_id = 'c52b'")) == 2
