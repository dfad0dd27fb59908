"""SMBIOS/DMI: the raw structure table the kernel exposes under /sys/firmware/dmi/tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

DMI_TABLE = "/sys/firmware/dmi/tables/DMI"
ENTRY_POINT = "/sys/firmware/dmi/tables/smbios_entry_point"

TYPE_BIOS = 0
TYPE_OEM_STRINGS = 11
TYPE_MEMORY_ARRAY = 16
TYPE_MEMORY_DEVICE = 17
TYPE_MEMORY_ERROR_INFO = 18
TYPE_MEMORY_ARRAY_MAPPED_ADDRESS = 19
TYPE_MEMORY_DEVICE_MAPPED_ADDRESS = 20

# The structure header: type (1 byte), formatted length (1 byte), handle (2 bytes).
_HEADER_SIZE = 4
_TRAILING_SPACE = b" \t\n\r\v\f"


@dataclass(frozen=True, slots=True)
class Structure:
    """One SMBIOS structure: its header facts and raw bytes (formatted area and strings)."""

    index: int
    type: int
    length: int
    handle: int
    raw: bytes

    @property
    def size(self) -> int:
        """Bytes of the whole structure, strings and terminating double NUL included."""
        return len(self.raw)

    def byte(self, offset: int) -> int:
        """The byte at offset of the structure (0 past its end)."""
        return self.raw[offset] if offset < len(self.raw) else 0

    def word(self, offset: int) -> int:
        """The little-endian WORD at offset."""
        return int.from_bytes(self.raw[offset : offset + 2], "little")

    def dword(self, offset: int) -> int:
        """The little-endian DWORD at offset."""
        return int.from_bytes(self.raw[offset : offset + 4], "little")

    def qword(self, offset: int) -> int:
        """The little-endian QWORD at offset."""
        return int.from_bytes(self.raw[offset : offset + 8], "little")

    def address_range(self, extended: int) -> tuple[str, str]:
        """Starting/ending address (DWORDs at 0x04/0x08) as hex text; all ones in the start
        defers to the 64-bit extended pair of QWORDs at `extended` and `extended + 8`."""
        start = self.dword(0x04)
        if start != 0xFFFFFFFF:
            return f"0x{start:08x}", f"0x{self.dword(0x08):08x}"
        return f"0x{self.qword(extended):012x}", f"0x{self.qword(extended + 8):012x}"

    def string(self, number: int) -> str:
        """String `number` (1-based) of the string set; "" for 0 or a corrupt set."""
        text = self.raw[self.length :]
        # osquery refuses a string set whose last byte is not NUL: the structure is corrupt.
        if number == 0 or not text or text[-1] != 0:
            return ""
        start = 0
        for _ in range(number - 1):
            if start > len(text) - 1:
                return ""
            start = text.index(0, start) + 1
        if start > len(text) - 1:
            return ""
        value = text[start : text.index(0, start)]
        return value.rstrip(_TRAILING_SPACE).decode("utf-8", "replace")


def parse_structures(table: bytes) -> list[Structure]:
    """Split a raw structure table into structures, walking it the way osquery does."""
    structures: list[Structure] = []
    end = len(table)
    offset = 0
    while offset + _HEADER_SIZE <= end:
        kind, length = table[offset], table[offset + 1]
        handle = int.from_bytes(table[offset + 2 : offset + 4], "little")
        if offset + length > end or (length == 0 and handle == 0):
            break
        # The string set ends at the first double NUL; osquery scans only while a whole
        # header still fits, so a table cut short ends its last structure 3 bytes early.
        following = offset + length
        while following + _HEADER_SIZE <= end:
            if table[following] == 0 and table[following + 1] == 0:
                following += 2
                break
            following += 1
        structures.append(Structure(len(structures), kind, length, handle, table[offset:following]))
        offset = following
    return structures


def entry_point_table_length(entry_point: bytes) -> int | None:
    """The structure table length an SMBIOS entry point declares, or None if unrecognised."""
    if entry_point.startswith(b"_SM3_") and len(entry_point) >= 0x10:
        return int.from_bytes(entry_point[0x0C:0x10], "little")
    if entry_point.startswith(b"_SM_") and len(entry_point) >= 0x18:
        return int.from_bytes(entry_point[0x16:0x18], "little")
    if entry_point.startswith(b"_DMI_") and len(entry_point) >= 0x08:
        return int.from_bytes(entry_point[0x06:0x08], "little")
    return None


class SmbiosReader:
    """Reads the DMI table of one host (root-only on most kernels)."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def table(self) -> bytes:
        """The raw structure table, bounded by the entry point's length; b"" if unreadable."""
        try:
            table = self._host.path(DMI_TABLE).read_bytes()
        except (FileNotFoundError, PermissionError):
            return b""
        try:
            limit = entry_point_table_length(self._host.path(ENTRY_POINT).read_bytes())
        except (FileNotFoundError, PermissionError):
            limit = None
        if limit is not None and 0 < limit < len(table):
            table = table[:limit]
        return table

    def structures(self, kind: int | None = None) -> list[Structure]:
        """Every structure of the table (only those of type kind, if given)."""
        found = parse_structures(self.table())
        if kind is None:
            return found
        return [s for s in found if s.type == kind]


def attach(host: Host) -> SmbiosReader:
    """The SMBIOS reader of host."""
    return SmbiosReader(host)
