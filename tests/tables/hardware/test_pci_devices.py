"""pci_devices: sysfs PCI devices named through pci.ids and the udev database."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.hardware.pci_devices import class_ids, pci_devices, split_ids
from hostql.testing import run_table

PCI_IDS = """\
1af4  Red Hat, Inc.
\t1041  Virtio 1.0 network device
\t\t1af4 1100  QEMU Virtual Machine
8086  Intel Corporation
\t29c0  82G33/G31/P35/P31 Express DRAM Controller
ffff  Illegal Vendor ID
"""


def add_pci(root: Path, slot: str, uevent: dict[str, str]) -> None:
    device = root / "sys/devices/pci0000:00" / slot
    device.mkdir(parents=True)
    (device / "uevent").write_text("".join(f"{k}={v}\n" for k, v in uevent.items()))
    bus = root / "sys/bus/pci/devices"
    bus.mkdir(parents=True, exist_ok=True)
    (bus / slot).symlink_to(f"../../../devices/pci0000:00/{slot}")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "usr/share/misc").mkdir(parents=True)
    (tmp_path / "usr/share/misc/pci.ids").write_text(PCI_IDS)
    add_pci(
        tmp_path,
        "0000:00:03.0",
        {
            "DRIVER": "virtio-pci",
            "PCI_CLASS": "20000",
            "PCI_ID": "1AF4:1041",
            "PCI_SUBSYS_ID": "1AF4:1100",
            "PCI_SLOT_NAME": "0000:00:03.0",
        },
    )
    add_pci(
        tmp_path,
        "0000:00:00.0",
        {
            "PCI_CLASS": "60000",
            "PCI_ID": "8086:29C0",
            "PCI_SUBSYS_ID": "1AF4:1100",
            "PCI_SLOT_NAME": "0000:00:00.0",
        },
    )
    add_pci(
        tmp_path,
        "0000:00:1f.0",
        {
            "PCI_CLASS": "C0330",
            "PCI_ID": "abcd:ef01",
            "PCI_SUBSYS_ID": "garbage",
            "PCI_SLOT_NAME": "0000:00:1f.0",
        },
    )
    add_pci(tmp_path, "0000:00:1f.3", {"PCI_SLOT_NAME": "0000:00:1f.3", "PCI_ID": "1:2:3"})
    udev = tmp_path / "run/udev/data"
    udev.mkdir(parents=True)
    (udev / "+pci:0000:00:03.0").write_text(
        "E:ID_PCI_CLASS_FROM_DATABASE=Network controller\n"
        "E:ID_PCI_SUBCLASS_FROM_DATABASE=Ethernet controller\n"
        "E:ID_VENDOR_FROM_DATABASE=Red Hat (hwdb)\n"
        "E:ID_MODEL_FROM_DATABASE=Virtio (hwdb)\n"
    )
    (udev / "+pci:0000:00:1f.0").write_text("E:ID_VENDOR_FROM_DATABASE=Only in hwdb\n")
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(pci_devices, root=root) == [
        {
            "pci_slot": "0000:00:00.0",
            "pci_class": "",
            "driver": "",
            "vendor": "Intel Corporation",
            "vendor_id": "0x8086",
            "model": "82G33/G31/P35/P31 Express DRAM Controller",
            "model_id": "0x29c0",
            "pci_class_id": "0x06",
            "pci_subclass_id": "0x00",
            "pci_subclass": "",
            "subsystem_vendor_id": "0x1af4",
            "subsystem_vendor": "Red Hat, Inc.",
            "subsystem_model_id": "0x1100",
            "subsystem_model": None,
        },
        {
            "pci_slot": "0000:00:03.0",
            "pci_class": "Network controller",
            "driver": "virtio-pci",
            "vendor": "Red Hat, Inc.",
            "vendor_id": "0x1af4",
            "model": "Virtio 1.0 network device",
            "model_id": "0x1041",
            "pci_class_id": "0x02",
            "pci_subclass_id": "0x00",
            "pci_subclass": "Ethernet controller",
            "subsystem_vendor_id": "0x1af4",
            "subsystem_vendor": "Red Hat, Inc.",
            "subsystem_model_id": "0x1100",
            "subsystem_model": "QEMU Virtual Machine",
        },
        {
            "pci_slot": "0000:00:1f.0",
            "pci_class": "",
            "driver": "",
            "vendor": "Only in hwdb",
            "vendor_id": "0xabcd",
            "model": "",
            "model_id": "0xef01",
            "pci_class_id": "0x0c",
            "pci_subclass_id": "0x03",
            "pci_subclass": "",
            "subsystem_vendor_id": None,
            "subsystem_vendor": None,
            "subsystem_model_id": None,
            "subsystem_model": None,
        },
        {
            "pci_slot": "0000:00:1f.3",
            "pci_class": "",
            "driver": "",
            "vendor": "",
            "vendor_id": "0",
            "model": "",
            "model_id": "0",
            "pci_class_id": None,
            "pci_subclass_id": None,
            "pci_subclass": "",
            "subsystem_vendor_id": None,
            "subsystem_vendor": None,
            "subsystem_model_id": None,
            "subsystem_model": None,
        },
    ]


def test_without_pci_ids_no_rows(root: Path) -> None:
    (root / "usr/share/misc/pci.ids").unlink()
    assert run_table(pci_devices, root=root) == []


def test_id_helpers() -> None:
    assert split_ids("1AF4:1041") == ("1af4", "1041")
    assert split_ids("1af4:") is None and split_ids("nocolon") is None
    assert class_ids("C0330") == ("0x0c", "0x03") and class_ids("FFFF00") == ("0xff", "0xff")
    assert class_ids("123") is None


@pytest.mark.live
def test_live_matches_lspci() -> None:
    rows = run_table(pci_devices)
    if shutil.which("lspci") is None:
        pytest.skip("lspci (pciutils) is not installed")
    numeric = subprocess.run(["lspci", "-mm", "-n", "-D"], capture_output=True, text=True)
    named = subprocess.run(["lspci", "-mm", "-D"], capture_output=True, text=True)
    expected = {}
    for ids, names in zip(numeric.stdout.splitlines(), named.stdout.splitlines(), strict=True):
        slot, klass, vendor, device, *_ = shlex.split(ids)
        _, _, vendor_name, device_name, *_ = shlex.split(names)
        expected[slot] = (f"0x{klass[:2]}", f"0x{vendor}", f"0x{device}", vendor_name, device_name)
    assert {r["pci_slot"] for r in rows} == set(expected)
    for row in rows:
        klass, vendor, device, vendor_name, device_name = expected[row["pci_slot"]]
        assert (row["pci_class_id"], row["vendor_id"], row["model_id"]) == (klass, vendor, device)
        assert row["vendor"] == vendor_name
        if row["model"]:
            assert row["model"] == device_name
