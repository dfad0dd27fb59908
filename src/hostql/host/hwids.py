"""Hardware ID databases: vendor, device and subsystem names from pci.ids and usb.ids."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

PCI_IDS_PATHS = ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids")
USB_IDS_PATHS = (
    "/usr/share/misc/usb.ids",
    "/usr/share/hwdata/usb.ids",
    "/var/lib/usbutils/usb.ids",
    "/usr/share/usb.ids",
)
_HEX = "0123456789abcdef"
# pci.ids lists vendors until this pseudo-vendor; device classes follow it.
_PCI_CLASSES_START = "ffff"


@dataclass(slots=True)
class Model:
    """A device (model) of a vendor, and its subsystems keyed "vendor device"."""

    name: str
    subsystems: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Vendor:
    """A vendor and its devices keyed by 4-digit lowercase hex ID."""

    name: str
    models: dict[str, Model] = field(default_factory=dict)


IdDatabase = dict[str, Vendor]


def _first_hex(line: str) -> int:
    return next((i for i, c in enumerate(line) if c in _HEX), -1)


def parse_pci_ids(text: str) -> IdDatabase:
    """Vendors, devices and subsystems of a pci.ids file, parsed the way osquery does."""
    vendors: IdDatabase = {}
    vendor: Vendor | None = None
    model: Model | None = None
    for raw in text.splitlines():
        # osquery cuts every line at its first '#', even inside a name.
        line = raw.split("#", 1)[0].rstrip()
        depth = _first_hex(line)
        if depth == 0:
            if len(line) < 7:
                continue
            vendor_id = line[:4]
            if vendor_id in vendors:
                continue  # a duplicate keeps the first entry and the current vendor
            vendor = vendors[vendor_id] = Vendor(line[6:])
            if vendor_id == _PCI_CLASSES_START:
                del vendors[vendor_id]
                break
        elif depth == 1:
            if len(line) < 8 or vendor is None or line[1:5] in vendor.models:
                continue
            model = vendor.models[line[1:5]] = Model(line[7:])
        elif depth == 2:
            if len(line) < 12 or model is None or line[2:11] in model.subsystems:
                continue
            model.subsystems[line[2:11]] = line[11:].strip()
    return vendors


def parse_usb_ids(text: str) -> IdDatabase:
    """Vendors and devices of a usb.ids file (interfaces and class lists are skipped)."""
    vendors: IdDatabase = {}
    vendor: Vendor | None = None
    for raw in text.splitlines():
        if not raw or raw.startswith("#"):
            continue
        if raw[0] not in _HEX and raw[0] != "\t":
            break  # the class, HID and language lists that follow the vendors
        if raw[0] != "\t":
            vendor_id, _, name = raw.partition("  ")
            vendor = vendors.setdefault(vendor_id.lower(), Vendor(name.strip()))
        elif vendor is not None and not raw.startswith("\t\t"):
            device_id, _, name = raw[1:].partition("  ")
            vendor.models.setdefault(device_id.lower(), Model(name.strip()))
    return vendors


class HardwareIds:
    """The PCI and USB ID databases of one host, parsed once per file version."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._cache: dict[str, tuple[tuple[int, int], IdDatabase]] = {}

    def _load(
        self, paths: tuple[str, ...], parse: Callable[[str], IdDatabase]
    ) -> IdDatabase | None:
        for path in paths:
            real = self._host.path(path)
            try:
                stat = os.stat(real)
                version = (stat.st_mtime_ns, stat.st_size)
                cached = self._cache.get(path)
                if cached is not None and cached[0] == version:
                    return cached[1]
                text = real.read_text(encoding="utf-8", errors="replace")
            except (FileNotFoundError, NotADirectoryError, PermissionError):
                continue
            database = parse(text)
            self._cache[path] = (version, database)
            return database
        return None

    def pci(self) -> IdDatabase | None:
        """The first readable pci.ids of the usual places, or None if there is none."""
        return self._load(PCI_IDS_PATHS, parse_pci_ids)

    def usb(self) -> IdDatabase | None:
        """The first readable usb.ids of the usual places, or None if there is none."""
        return self._load(USB_IDS_PATHS, parse_usb_ids)


def attach(host: Host) -> HardwareIds:
    """The hardware ID databases of host."""
    return HardwareIds(host)
