"""Uevent messages: recorded kernel and libudev datagrams parsed, encoded, and sender checks."""

from __future__ import annotations

import struct

import pytest

from hostql.host.udev_netlink import (
    GROUP_KERNEL,
    GROUP_UDEV,
    HEADER_SIZE,
    Datagram,
    UeventError,
    kernel_message,
    murmur_hash2,
    parse,
    sender_problem,
    udev_message,
)

USB_DEVPATH = "/devices/pci0000:00/0000:00:14.0/usb2/2-1"
# A USB stick as systemd-udevd re-sends it after running its rules (hwdb names included).
UDEV_USB = {
    "ACTION": "add",
    "DEVPATH": USB_DEVPATH,
    "SUBSYSTEM": "usb",
    "DEVNAME": "/dev/bus/usb/002/003",
    "DEVTYPE": "usb_device",
    "DRIVER": "usb",
    "PRODUCT": "781/5581/100",
    "TYPE": "0/0/0",
    "BUSNUM": "002",
    "DEVNUM": "003",
    "SEQNUM": "5301",
    "USEC_INITIALIZED": "1714557600123456",
    "ID_VENDOR": "SanDisk",
    "ID_VENDOR_ENC": "SanDisk",
    "ID_VENDOR_ID": "0781",
    "ID_MODEL": "Ultra",
    "ID_MODEL_ENC": "Ultra",
    "ID_MODEL_ID": "5581",
    "ID_REVISION": "0100",
    "ID_SERIAL": "SanDisk_Ultra_4C530001230517117195",
    "ID_SERIAL_SHORT": "4C530001230517117195",
    "ID_BUS": "usb",
    "ID_USB_INTERFACES": ":080650:",
    "ID_VENDOR_FROM_DATABASE": "SanDisk Corp.",
    "ID_MODEL_FROM_DATABASE": "Ultra",
    "MAJOR": "189",
    "MINOR": "130",
    "TAGS": ":systemd:",
    "CURRENT_TAGS": ":systemd:",
}
# The same device as the kernel multicasts it, before udev: a relative DEVNAME, no ID_*.
KERNEL_USB = (
    b"add@/devices/pci0000:00/0000:00:14.0/usb2/2-1\0"
    b"ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:14.0/usb2/2-1\0SUBSYSTEM=usb\0"
    b"MAJOR=189\0MINOR=130\0DEVNAME=bus/usb/002/003\0DEVTYPE=usb_device\0"
    b"PRODUCT=781/5581/100\0TYPE=0/0/0\0BUSNUM=002\0DEVNUM=003\0SEQNUM=5300\0"
)


def test_udev_message_has_the_libudev_header() -> None:
    message = udev_message(UDEV_USB)
    assert message[:8] == b"libudev\0"
    assert message[8:12] == bytes.fromhex("feedcafe")
    header_size, offset, length = struct.unpack_from("=III", message, 12)
    assert (header_size, offset) == (HEADER_SIZE, 40)
    assert length == len(message) - 40
    subsystem_hash, devtype_hash, bloom_hi, bloom_lo = struct.unpack_from(">IIII", message, 24)
    assert subsystem_hash == murmur_hash2(b"usb")
    assert devtype_hash == murmur_hash2(b"usb_device")
    assert bloom_hi or bloom_lo
    assert message[40:].startswith(b"ACTION=add\0DEVPATH=")


def test_parse_udev_message() -> None:
    event = parse(udev_message(UDEV_USB))
    assert event.source == "udev"
    assert (event.action, event.subsystem, event.devtype) == ("add", "usb", "usb_device")
    assert event.devpath == USB_DEVPATH
    assert event.devnode == "/dev/bus/usb/002/003"
    assert event.driver == "usb"
    assert event.seqnum == 5301
    assert event.properties["ID_VENDOR_FROM_DATABASE"] == "SanDisk Corp."
    assert event.properties == UDEV_USB


def test_parse_kernel_message_makes_devname_a_node() -> None:
    event = parse(KERNEL_USB)
    assert event.source == "kernel"
    assert event.action == "add"
    assert event.devnode == "/dev/bus/usb/002/003"
    assert event.driver == ""
    assert event.seqnum == 5300
    assert "ID_MODEL_FROM_DATABASE" not in event.properties


def test_kernel_message_encoder_matches_the_kernel_layout() -> None:
    properties = dict(item.split("=", 1) for item in KERNEL_USB.decode().split("\0")[1:] if item)
    assert kernel_message(properties) == KERNEL_USB


def test_parse_synthetic_uevent_without_devname() -> None:
    raw = (
        b"change@/devices/virtual/net/lo\0ACTION=change\0DEVPATH=/devices/virtual/net/lo\0"
        b"SUBSYSTEM=net\0SYNTH_UUID=0\0INTERFACE=lo\0IFINDEX=1\0SEQNUM=4121\0"
    )
    event = parse(raw)
    assert (event.devnode, event.devtype, event.subsystem) == ("", "", "net")
    assert event.properties["INTERFACE"] == "lo"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"libudev\0" + b"\0" * 10, "shorter than its header"),
        (udev_message(UDEV_USB)[:8] + b"\xca\xfe\xfe\xed" + udev_message(UDEV_USB)[12:], "magic"),
        (udev_message(UDEV_USB)[:-20], "outside"),
        (b"ACTION=add\0DEVPATH=/devices/x\0", "action@devpath"),
        (b"add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=usb\0", "SEQNUM"),
        (b"add@/devices/x\0ACTION=add\0SUBSYSTEM=usb\0SEQNUM=abc\0DEVPATH=/d\0", "bad SEQNUM"),
    ],
)
def test_parse_rejects_malformed_messages(data: bytes, problem: str) -> None:
    with pytest.raises(UeventError, match=problem):
        parse(data)


def test_parse_ignores_entries_without_a_key() -> None:
    event = parse(KERNEL_USB + b"NOEQUALS\0=orphan\0")
    assert "NOEQUALS" not in event.properties
    assert "" not in event.properties


@pytest.mark.parametrize(
    ("datagram", "problem"),
    [
        (Datagram(b"", 0, GROUP_KERNEL, 0, False), None),
        (Datagram(b"", 812, GROUP_UDEV, 0, False), None),
        (Datagram(b"", 0, GROUP_UDEV, 0, True), "truncated"),
        (Datagram(b"", 812, 0, 0, False), "unicast"),
        (Datagram(b"", 812, GROUP_KERNEL, 0, False), "from PID 812"),
        (Datagram(b"", 812, GROUP_UDEV, None, False), "credentials"),
        (Datagram(b"", 812, GROUP_UDEV, 1000, False), "uid=1000"),
    ],
)
def test_sender_problem_follows_libudev(datagram: Datagram, problem: str | None) -> None:
    found = sender_problem(datagram)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_sender_problem_trusts_given_uids() -> None:
    assert sender_problem(Datagram(b"", 9, GROUP_UDEV, 1000, False), {1000}) is None


@pytest.mark.parametrize(
    ("text", "value"),
    # Values from the reference C implementation (seed 0), as udev hashes filter strings.
    [("", 0), ("usb", 91735525), ("block", 4026736055), ("usb_device", 670627084)],
)
def test_murmur_hash2_matches_the_reference(text: str, value: int) -> None:
    assert murmur_hash2(text.encode()) == value
