"""usb_devices: sysfs USB devices with udev's usb_id properties (or sysfs fallbacks)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.hardware.usb_devices import udev_safe, usb_devices
from hostql.testing import run_table

CONTROLLER = "sys/devices/pci0000:00/0000:00:14.0"
USB_IDS = "0781  SanDisk Corp.\n\t5581  Ultra\n\nC 08  Mass Storage\n"


def add_usb(root: Path, relative: str, uevent: dict[str, str], **attributes: str) -> None:
    device = root / CONTROLLER / relative
    device.mkdir(parents=True)
    (device / "uevent").write_text("".join(f"{k}={v}\n" for k, v in uevent.items()))
    for name, value in attributes.items():
        (device / name).write_text(value + "\n")
    bus = root / "sys/bus/usb/devices"
    bus.mkdir(parents=True, exist_ok=True)
    (bus / device.name).symlink_to(root / CONTROLLER / relative)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    add_usb(
        tmp_path,
        "usb1",
        {
            "MAJOR": "189",
            "MINOR": "0",
            "DEVTYPE": "usb_device",
            "TYPE": "9/0/1",
            "BUSNUM": "001",
            "DEVNUM": "001",
        },
        removable="unknown",
    )
    add_usb(
        tmp_path,
        "usb1/1-1",
        {
            "MAJOR": "189",
            "MINOR": "7",
            "DEVTYPE": "usb_device",
            "TYPE": "0/0/0",
            "BUSNUM": "001",
            "DEVNUM": "008",
        },
        idVendor="0781",
        idProduct="5581",
        bcdDevice="0100",
        product=" Ultra USB 3.0 ",
        serial="4C530001 230?",
        removable="removable",
    )
    add_usb(
        tmp_path,
        "usb1/1-1/1-1:1.0",
        {
            "DEVTYPE": "usb_interface",
            "TYPE": "0/0/0",
            "INTERFACE": "8/6/80",
        },
    )
    udev = tmp_path / "run/udev/data"
    udev.mkdir(parents=True)
    (udev / "c189:0").write_text(
        "E:ID_VENDOR_ID=1d6b\nE:ID_MODEL_ID=0002\nE:ID_REVISION=0515\n"
        "E:ID_SERIAL_SHORT=0000:00:14.0\nE:ID_MODEL=xHCI_Host_Controller\n"
        "E:ID_VENDOR_FROM_DATABASE=Linux Foundation\n"
    )
    (tmp_path / "usr/share/misc").mkdir(parents=True)
    (tmp_path / "usr/share/misc/usb.ids").write_text(USB_IDS)
    return tmp_path


def test_devices_not_interfaces(root: Path) -> None:
    assert run_table(usb_devices, root=root) == [
        {
            "usb_address": 1,
            "usb_port": 1,
            "vendor": "Linux Foundation",
            "vendor_id": "1d6b",
            "version": "0515",
            "model": "xHCI_Host_Controller",
            "model_id": "0002",
            "serial": "0000:00:14.0",
            "class": "9",
            "subclass": "0",
            "protocol": "1",
            "removable": -1,
        },
        {
            "usb_address": 1,
            # "008" is not valid octal: osquery's integer parsing makes it NULL.
            "usb_port": None,
            "vendor": "SanDisk Corp.",
            "vendor_id": "0781",
            "version": "0100",
            "model": "Ultra",
            "model_id": "5581",
            "serial": "4C530001_230_",
            "class": "0",
            "subclass": "0",
            "protocol": "0",
            "removable": 1,
        },
    ]


def test_model_falls_back_to_the_descriptor_string(root: Path) -> None:
    (root / "usr/share/misc/usb.ids").write_text("0781  SanDisk Corp.\n")
    rows = run_table(usb_devices, "usb_port IS NULL", root=root, columns="vendor, model")
    assert rows == [{"vendor": "SanDisk Corp.", "model": "Ultra_USB_3.0"}]


def test_udev_safe() -> None:
    assert udev_safe("  Mass Storage (x)  ") == "Mass_Storage__x_"


def test_no_usb_bus(tmp_path: Path) -> None:
    assert run_table(usb_devices, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_sysfs_and_lsusb() -> None:
    rows = run_table(usb_devices)
    devices = [p for p in Path("/sys/bus/usb/devices").glob("*") if (p / "busnum").exists()]
    assert len(rows) == len(devices)
    if rows and shutil.which("lsusb"):
        out = subprocess.run(["lsusb"], capture_output=True, text=True).stdout
        ids = {line.split()[5] for line in out.splitlines()}
        assert {f"{r['vendor_id']}:{r['model_id']}" for r in rows} <= ids
