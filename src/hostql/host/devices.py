"""Devices in sysfs: PCI and USB devices with their udev properties, and block devices."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

PCI_DEVICES = "/sys/bus/pci/devices"
USB_DEVICES = "/sys/bus/usb/devices"
CLASS_BLOCK = "/sys/class/block"
UDEV_DATA = "/run/udev/data"

# osquery reads these sysfs attributes of a block device, in this order.
_BLOCK_ATTRIBUTES = (
    ("model", "device/model"),
    ("serial", "device/wwid"),
    ("vendor", "device/vendor"),
    ("vendor", "device/device/vendor"),
    ("serial", "device/serial"),
    ("size", "size"),
    ("block_size", "queue/logical_block_size"),
)
_LUKS_MAGIC = b"LUKS\xba\xbe"
_LUKS1_HEADER = 104
_LUKS2_BINARY_HEADER = 4096
# dm-verity and dm-integrity carry CRYPT- uuids too, but encrypt nothing.
_NOT_ENCRYPTING = ("VERITY", "INTEGRITY", "SUBDEV")


@dataclass(slots=True)
class UdevDevice:
    """A sysfs device and the properties udev knows it by (uevent and the udev database)."""

    syspath: Path
    properties: dict[str, str]

    def get(self, key: str) -> str:
        """A property's value, "" when unset (as udev_device_get_property_value + osquery)."""
        return self.properties.get(key, "")

    def attribute(self, name: str) -> str | None:
        """A sysfs attribute without its trailing newline, or None if it cannot be read."""
        try:
            return (self.syspath / name).read_text(errors="replace").rstrip("\n")
        except OSError:  # absent, or ENODEV/EIO from a device going away
            return None


@dataclass(slots=True)
class BlockDevice:
    """A block device as osquery's sysfs walk sees it; metadata strings are "" when unknown."""

    name: str
    parent: str
    syspath: Path
    model: str = ""
    serial: str = ""
    vendor: str = ""
    size: str = ""
    block_size: str = ""
    described: bool = field(default=False, repr=False)


@dataclass(frozen=True, slots=True)
class CryptMapping:
    """A dm-crypt mapping: its type from the dm uuid, cipher and mode from the LUKS header."""

    type: str
    cipher: str = ""
    mode: str = ""

    @property
    def description(self) -> str:
        """type-cipher-mode, leaving out what is unknown (libcryptsetup's parts, joined)."""
        return "-".join(p for p in (self.type, self.cipher, self.mode) if p)


def parse_uevent(text: str) -> dict[str, str]:
    """KEY=value lines of a sysfs uevent file."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            found[key] = value
    return found


def parse_udev_record(text: str) -> dict[str, str]:
    """The E: (property) lines of a udev database record."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("E:"):
            key, sep, value = line[2:].partition("=")
            if sep:
                found[key] = value
    return found


def luks_cipher(header: bytes) -> tuple[str, str] | None:
    """(cipher, mode) from a LUKS1 or LUKS2 header, or None if it is not one."""
    if not header.startswith(_LUKS_MAGIC) or len(header) < _LUKS1_HEADER:
        return None
    version = int.from_bytes(header[6:8], "big")
    if version == 1:
        cipher = header[8:40].split(b"\0", 1)[0].decode("ascii", "replace")
        mode = header[40:72].split(b"\0", 1)[0].decode("ascii", "replace")
        return cipher, mode
    if version != 2:
        return None
    size = int.from_bytes(header[8:16], "big")
    area = header[_LUKS2_BINARY_HEADER:size].split(b"\0", 1)[0]
    try:
        segments = json.loads(area)["segments"]
        crypt = [segments[k] for k in sorted(segments, key=int) if segments[k]["type"] == "crypt"]
        encryption = str(crypt[0]["encryption"])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    cipher, _, mode = encryption.partition("-")
    return cipher, mode


class DevicesReader:
    """Reads the PCI, USB and block devices of one host from sysfs and the udev database."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def _udev_device(self, syspath: Path, subsystem: str) -> UdevDevice | None:
        try:
            properties = parse_uevent((syspath / "uevent").read_text(errors="replace"))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return None  # removed while we looked
        if "MAJOR" in properties and "MINOR" in properties:
            kind = "b" if subsystem == "block" else "c"
            record = f"{kind}{properties['MAJOR']}:{properties['MINOR']}"
        else:
            record = f"+{subsystem}:{syspath.name}"
        try:
            db = self._host.path(f"{UDEV_DATA}/{record}").read_text(errors="replace")
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            db = ""  # no udev (containers) or no rules matched this device
        return UdevDevice(syspath, {**properties, **parse_udev_record(db)})

    def _bus(self, directory: str, subsystem: str) -> list[UdevDevice]:
        try:
            links = list(self._host.path(directory).iterdir())
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []
        # udev enumerates a subsystem sorted by device path.
        paths = sorted({Path(os.path.realpath(link)) for link in links}, key=str)
        found = (self._udev_device(path, subsystem) for path in paths)
        return [d for d in found if d is not None]

    def pci_devices(self) -> list[UdevDevice]:
        """Every PCI device, sorted by sysfs path."""
        return self._bus(PCI_DEVICES, "pci")

    def usb_devices(self) -> list[UdevDevice]:
        """Every USB device and interface, sorted by sysfs path."""
        return self._bus(USB_DEVICES, "usb")

    def block_devices(self) -> dict[str, BlockDevice]:
        """Every block device with a uevent, by /dev name, with its parent (not described)."""
        directory = self._host.path(CLASS_BLOCK)
        try:
            links = list(directory.iterdir())
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return {}
        found: dict[str, BlockDevice] = {}
        for link in links:
            if not link.is_symlink():
                continue
            syspath = Path(os.path.realpath(link))
            if not (syspath / "uevent").exists():
                continue
            parent = syspath.parent.name
            if parent == "block":
                # A whole disk, or a logical device whose parent is its (first) slave.
                try:
                    slaves = os.listdir(syspath / "slaves")
                except (FileNotFoundError, NotADirectoryError, PermissionError):
                    slaves = []
                parent = slaves[0] if slaves else ""
            name = f"/dev/{syspath.name}"
            found[name] = BlockDevice(name, f"/dev/{parent}" if parent else "", syspath)
        return found

    def describe(self, device: BlockDevice, devices: dict[str, BlockDevice]) -> None:
        """Fill model, serial, vendor, size and block size; children inherit the first three."""
        if device.described:
            return
        device.described = True
        parent = devices.get(device.parent) if device.parent else None
        if parent is not None:
            self.describe(parent, devices)
        for attribute, relative in _BLOCK_ATTRIBUTES:
            try:
                data = (device.syspath / relative).read_text(errors="replace")
            except OSError:  # absent, or ENODEV/EIO from a device going away
                continue
            data = data.strip("\n\t ")
            if not data or (attribute in ("serial", "vendor") and getattr(device, attribute)):
                continue
            setattr(device, attribute, data)
        if parent is not None:
            device.model, device.serial, device.vendor = parent.model, parent.serial, parent.vendor

    def crypt_mapping(self, device: BlockDevice) -> CryptMapping | None:
        """The dm-crypt mapping device is, from its dm uuid and its slave's LUKS header."""
        try:
            uuid = (device.syspath / "dm" / "uuid").read_text().strip()
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return None
        if not uuid.startswith("CRYPT-"):
            return None
        kind = uuid[len("CRYPT-") :].split("-", 1)[0]
        if not kind or kind in _NOT_ENCRYPTING:
            return None
        if not kind.startswith("LUKS") or not device.parent:
            return CryptMapping(kind)
        try:
            with self._host.path(device.parent).open("rb") as disk:
                header = disk.read(_LUKS2_BINARY_HEADER)
                if header[6:8] == b"\0\x02":
                    size = int.from_bytes(header[8:16], "big")
                    header += disk.read(max(0, min(size, 4 << 20) - len(header)))
        except OSError:
            return CryptMapping(kind)  # the header needs root (or the disk group)
        cipher = luks_cipher(header)
        return CryptMapping(kind, *cipher) if cipher else CryptMapping(kind)


def attach(host: Host) -> DevicesReader:
    """The sysfs device reader of host."""
    return DevicesReader(host)
