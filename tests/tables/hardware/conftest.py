"""Fixture builders for the hardware tables: DMI tables, sysfs trees and disk images."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

SECTOR = 512


def smbios_structure(kind: int, handle: int, body: bytes, strings: tuple[str, ...] = ()) -> bytes:
    """One SMBIOS structure in its binary form: header, formatted area, string set."""
    header = struct.pack("<BBH", kind, 4 + len(body), handle)
    tail = b"".join(s.encode() + b"\0" for s in strings) + b"\0" if strings else b"\0\0"
    return header + body + tail


@pytest.fixture
def structure() -> Callable[..., bytes]:
    """Build an SMBIOS structure: structure(type, handle, formatted_body, strings)."""
    return smbios_structure


@pytest.fixture
def dmi(tmp_path: Path) -> Callable[..., Path]:
    """Install a DMI table (and an SMBIOS 3 entry point) under tmp_path; returns the root."""

    def install(*structures: bytes, trailer: bytes = b"", entry_point: bool = True) -> Path:
        tables = tmp_path / "sys/firmware/dmi/tables"
        tables.mkdir(parents=True, exist_ok=True)
        table = b"".join(structures)
        (tables / "DMI").write_bytes(table + trailer)
        if entry_point:
            point = struct.pack("<5sBBBBBBBIQ", b"_SM3_", 0, 24, 3, 2, 0, 1, 0, len(table), 0)
            (tables / "smbios_entry_point").write_bytes(point)
        return tmp_path

    return install


def _mbr(entries: list[tuple[int, int, int]]) -> bytes:
    sector = bytearray(SECTOR)
    for index, (kind, start, count) in enumerate(entries):
        offset = 446 + 16 * index
        sector[offset : offset + 16] = struct.pack("<B3sB3sII", 0, b"", kind, b"", start, count)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def _gpt(partitions: list[tuple[str, int, int]], total: int) -> tuple[bytes, bytes]:
    linux = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4").bytes_le
    entries = bytearray(128 * 128)
    for index, (name, first, last) in enumerate(partitions):
        entry = struct.pack(
            "<16s16sQQQ72s", linux, uuid.uuid4().bytes_le, first, last, 0, name.encode("utf-16-le")
        )
        entries[index * 128 : (index + 1) * 128] = entry
    header = bytearray(
        struct.pack(
            "<8sIIIIQQQQ16sQIII",
            b"EFI PART",
            0x10000,
            92,
            0,
            0,
            1,
            total - 1,
            34,
            total - 34,
            uuid.uuid4().bytes_le,
            2,
            128,
            128,
            zlib.crc32(entries),
        )
    )
    header[16:20] = struct.pack("<I", zlib.crc32(header))
    return bytes(header) + bytes(SECTOR - len(header)), bytes(entries)


def make_ext4(path: Path, content: Path, size_kib: int = 4096, label: str = "") -> bytes:
    """An ext4 image of content made by mkfs.ext4 -d (no mounting); returns its bytes."""
    command = ["mkfs.ext4", "-q", "-F", "-b", "1024", "-N", "64", "-d", str(content)]
    if label:
        command += ["-L", label]
    subprocess.run([*command, str(path), f"{size_kib}K"], check=True, capture_output=True)
    return path.read_bytes()


@pytest.fixture
def ext4() -> Callable[..., bytes]:
    """Build an ext4 image: ext4(image_path, content_dir, size_kib=4096, label="")."""
    return make_ext4


@pytest.fixture
def disk_image(tmp_path: Path) -> Callable[..., Path]:
    """Build a partitioned disk image: disk_image(path, scheme, filesystem_bytes)."""

    def build(path: Path, scheme: str, filesystem: bytes) -> Path:
        start = 2048
        sectors = len(filesystem) // SECTOR
        total = start + sectors + 2048
        image = bytearray(total * SECTOR)
        if scheme == "mbr":
            image[:SECTOR] = _mbr([(0x83, start, sectors), (0x82, start + sectors + 1024, 512)])
        else:
            image[:SECTOR] = _mbr([(0xEE, 1, total - 1)])
            header, entries = _gpt([("root", start, start + sectors - 1)], total)
            image[SECTOR : 2 * SECTOR] = header
            image[2 * SECTOR : 2 * SECTOR + len(entries)] = entries
        image[start * SECTOR : start * SECTOR + len(filesystem)] = filesystem
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(image))
        return path

    return build


DISK = "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda"
BOOT_UUID = "0e9c6d5e-7a43-4a0c-9a55-8f4a3e0c1b11"
LUKS_UUID = "5c1f1a3e-2b7d-4f60-9a0e-6a2d9b3c4e5f"


def luks2_header(encryption: str) -> bytes:
    """A LUKS2 header (binary header and JSON area) whose only segment uses encryption."""
    area = json.dumps({"segments": {"0": {"type": "crypt", "encryption": encryption}}})
    binary = bytearray(4096)
    binary[0:16] = b"LUKS\xba\xbe" + struct.pack(">HQ", 2, 16384)
    binary[0xA8 : 0xA8 + len(LUKS_UUID)] = LUKS_UUID.encode()
    return bytes(binary) + area.encode().ljust(12288, b"\0")


def add_block(root: Path, syspath: str, **attributes: str) -> Path:
    """A block device under /sys/devices (attributes: a__b is the file a/b) and its link."""
    device = root / "sys/devices" / syspath
    device.mkdir(parents=True)
    (device / "uevent").write_text(f"DEVNAME={device.name}\n")
    for relative, value in attributes.items():
        path = device / relative.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
    links = root / "sys/class/block"
    links.mkdir(parents=True, exist_ok=True)
    (links / device.name).symlink_to(os.path.relpath(device, links))
    return device


def add_slave(device: Path, slave: str) -> None:
    """Make slave (a sibling name) the first entry of device's slaves/ folder."""
    (device / "slaves").mkdir()
    (device / "slaves" / slave).symlink_to("..")


@pytest.fixture
def block_root(tmp_path: Path, ext4: Callable[..., bytes]) -> Path:
    """A sysfs block tree (disk, partitions, LUKS2 mapping, LV on it, loop) with /dev images."""
    system = tmp_path / "system"
    system.mkdir()
    add_block(
        system,
        DISK,
        device__model="Samsung SSD 860",
        device__vendor="ATA",
        device__wwid="naa.5002538e40000001",
        size="2000",
        queue__logical_block_size="512",
    )
    add_block(system, f"{DISK}/sda1", size="8192", queue__logical_block_size="512")
    add_block(system, f"{DISK}/sda2", size="4096", queue__logical_block_size="512")
    crypt = add_block(
        system,
        "virtual/block/dm-0",
        size="4064",
        dm__uuid=("CRYPT-LUKS2-5c1f1a3e2b7d4f609a0e6a2d9b3c4e5f-luks-5c1f1a3e"),
    )
    add_slave(crypt, "sda2")
    volume = add_block(system, "virtual/block/dm-1", size="4000", dm__uuid="LVM-x0AbCdEf")
    add_slave(volume, "dm-0")
    add_block(system, "virtual/block/loop0", size="0", queue__logical_block_size="512")
    dev = system / "dev"
    dev.mkdir()
    content = tmp_path / "content"
    content.mkdir()
    (dev / "sda1").write_bytes(ext4(tmp_path / "boot.img", content, label="boot"))
    subprocess.run(["tune2fs", "-U", BOOT_UUID, str(dev / "sda1")], check=True, capture_output=True)
    (dev / "sda2").write_bytes(luks2_header("aes-xts-plain64"))
    return system
