"""sysfs devices: uevent and udev records, the block device tree, LUKS headers."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from hostql.host import Host
from hostql.host.devices import CryptMapping, luks_cipher, parse_udev_record, parse_uevent


def test_uevent_and_udev_records() -> None:
    assert parse_uevent("DRIVER=virtio-pci\nPCI_ID=1AF4:1041\nbroken\nA=b=c\n") == {
        "DRIVER": "virtio-pci",
        "PCI_ID": "1AF4:1041",
        "A": "b=c",
    }
    record = "S:disk/by-id/x\nI:1234\nE:ID_VENDOR_FROM_DATABASE=Red Hat, Inc.\nE:ID_X=\nG:tag\n"
    assert parse_udev_record(record) == {"ID_VENDOR_FROM_DATABASE": "Red Hat, Inc.", "ID_X": ""}


def luks1(cipher: str, mode: str) -> bytes:
    return (
        b"LUKS\xba\xbe"
        + struct.pack(">H", 1)
        + cipher.encode().ljust(32, b"\0")
        + (mode.encode().ljust(32, b"\0"))
        + bytes(600)
    )


def luks2(encryption: str) -> bytes:
    area = json.dumps(
        {
            "segments": {
                "1": {"type": "linear", "encryption": "none"},
                "0": {"type": "crypt", "encryption": encryption},
            }
        }
    ).encode()
    binary = b"LUKS\xba\xbe" + struct.pack(">HQ", 2, 16384)
    return binary.ljust(4096, b"\0") + area.ljust(12288, b"\0")


def test_luks_headers() -> None:
    assert luks_cipher(luks1("aes", "cbc-essiv:sha256")) == ("aes", "cbc-essiv:sha256")
    assert luks_cipher(luks2("aes-xts-plain64")) == ("aes", "xts-plain64")
    assert luks_cipher(luks2("aes-xts-plain64")[:4130]) is None
    assert luks_cipher(b"\0" * 4096) is None
    assert CryptMapping("LUKS2", "aes", "xts-plain64").description == "LUKS2-aes-xts-plain64"
    assert CryptMapping("PLAIN").description == "PLAIN"


def add_block(root: Path, syspath: str, attributes: dict[str, str] | None = None) -> Path:
    """A block device directory under /sys/devices and its /sys/class/block link."""
    device = root / "sys/devices" / syspath
    device.mkdir(parents=True)
    (device / "uevent").write_text(f"DEVNAME={device.name}\n")
    for relative, value in (attributes or {}).items():
        (device / relative).parent.mkdir(parents=True, exist_ok=True)
        (device / relative).write_text(value)
    links = root / "sys/class/block"
    links.mkdir(parents=True, exist_ok=True)
    (links / device.name).symlink_to(os.path.relpath(device, links))
    return device


def test_block_tree_parents_and_inheritance(tmp_path: Path) -> None:
    add_block(
        tmp_path,
        "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda",
        {
            "device/model": "Samsung SSD 860 \n",
            "device/vendor": "ATA     \n",
            "device/wwid": "t10.ATA Samsung SSD\n",
            "size": "1000215216\n",
            "queue/logical_block_size": "512\n",
        },
    )
    add_block(
        tmp_path,
        "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2",
        {"size": "2048\n", "device/model": "ignored for partitions"},
    )
    crypt = add_block(tmp_path, "virtual/block/dm-0", {"size": "2000\n", "dm/uuid": "x"})
    (crypt / "slaves").mkdir()
    (crypt / "slaves/sda2").symlink_to("../../../pci0000:00")
    loop = tmp_path / "sys/devices/virtual/block/loop9"
    loop.mkdir(parents=True)  # no uevent: not a valid block device
    (tmp_path / "sys/class/block/loop9").symlink_to("../../devices/virtual/block/loop9")
    (tmp_path / "sys/class/block/notalink").mkdir()

    reader = Host(tmp_path).devices
    devices = reader.block_devices()
    assert {n: d.parent for n, d in devices.items()} == {
        "/dev/sda": "",
        "/dev/sda2": "/dev/sda",
        "/dev/dm-0": "/dev/sda2",
    }
    reader.describe(devices["/dev/dm-0"], devices)
    disk, part, mapping = devices["/dev/sda"], devices["/dev/sda2"], devices["/dev/dm-0"]
    assert (disk.model, disk.vendor, disk.serial) == (
        "Samsung SSD 860",
        "ATA",
        "t10.ATA Samsung SSD",
    )
    assert (disk.size, disk.block_size) == ("1000215216", "512")
    assert (part.model, part.vendor, part.serial, part.size) == (
        "Samsung SSD 860",
        "ATA",
        "t10.ATA Samsung SSD",
        "2048",
    )
    assert (mapping.model, mapping.size, mapping.block_size) == ("Samsung SSD 860", "2000", "")


def test_crypt_mappings(tmp_path: Path) -> None:
    disk = tmp_path / "dev/sdb1"
    disk.parent.mkdir(parents=True)
    disk.write_bytes(luks2("serpent-cbc-plain"))
    reader = Host(tmp_path).devices
    for name, uuid in (
        ("dm-0", "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-luks-root"),
        ("dm-1", "CRYPT-PLAIN-swap"),
        ("dm-2", "CRYPT-VERITY-abc-root"),
        ("dm-3", "LVM-abcdef"),
    ):
        add_block(tmp_path, f"virtual/block/{name}", {"dm/uuid": uuid + "\n"})
    devices = reader.block_devices()
    devices["/dev/dm-0"].parent = "/dev/sdb1"
    devices["/dev/dm-1"].parent = "/dev/missing"
    found = {n: reader.crypt_mapping(d) for n, d in sorted(devices.items())}
    assert found == {
        "/dev/dm-0": CryptMapping("LUKS2", "serpent", "cbc-plain"),
        "/dev/dm-1": CryptMapping("PLAIN"),
        "/dev/dm-2": None,
        "/dev/dm-3": None,
    }


def test_pci_bus_sorted_by_device_path_with_udev_properties(tmp_path: Path) -> None:
    devices = tmp_path / "sys/devices/pci0000:00"
    bus = tmp_path / "sys/bus/pci/devices"
    bus.mkdir(parents=True)
    for slot in ("0000:00:03.0", "0000:00:01.0"):
        (devices / slot).mkdir(parents=True)
        (devices / slot / "uevent").write_text(f"PCI_SLOT_NAME={slot}\n")
        (bus / slot).symlink_to(f"../../../devices/pci0000:00/{slot}")
    udev = tmp_path / "run/udev/data"
    udev.mkdir(parents=True)
    (udev / "+pci:0000:00:03.0").write_text("E:ID_PCI_CLASS_FROM_DATABASE=Network controller\n")
    found = Host(tmp_path).devices.pci_devices()
    assert [d.get("PCI_SLOT_NAME") for d in found] == ["0000:00:01.0", "0000:00:03.0"]
    assert found[1].get("ID_PCI_CLASS_FROM_DATABASE") == "Network controller"
    assert found[0].get("ID_PCI_CLASS_FROM_DATABASE") == ""
    assert found[0].attribute("vendor") is None
