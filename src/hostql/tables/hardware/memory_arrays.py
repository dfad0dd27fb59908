"""memory_arrays: SMBIOS type 16 structures, the physical memory arrays."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.smbios import TYPE_MEMORY_ARRAY
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

LOCATIONS: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "System board or motherboard",
    0x04: "ISA add-on card",
    0x05: "EISA add-on card",
    0x06: "PCI add-on card",
    0x07: "MCA add-on card",
    0x08: "PCMCIA add-on card",
    0x09: "Proprietary add-on card",
    0x0A: "NuBus",
    0xA0: "PC-98/C20 add-on card",
    0xA1: "PC-98/C24 add-on card",
    0xA2: "PC-98/E add-on card",
    0xA3: "PC-98/Local bus add-on card",
}

USES: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "System memory",
    0x04: "Video memory",
    0x05: "Flash memory",
    0x06: "Non-volatile RAM",
    0x07: "Cache memory",
}

ERROR_CORRECTIONS: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "none",
    0x04: "Parity",
    0x05: "Single-bit ECC",
    0x06: "Multi-bit ECC",
    0x07: "CRC",
}

_MIN_SIZE = 0x0F + 8
_NO_ERROR_HANDLES = (0xFFFE, 0xFFFF)


@table(
    "memory_arrays",
    "Data associated with collection of memory devices that operate to form a memory address.",
    platforms=(LINUX, MACOS),
    examples=("select * from memory_arrays",),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column("handle", TEXT, "Handle, or instance number, associated with the array"),
        Column("location", TEXT, "Physical location of the memory array"),
        Column("use", TEXT, "Function for which the array is used"),
        Column(
            "memory_error_correction",
            TEXT,
            "Primary hardware error correction or detection method supported",
        ),
        Column("max_capacity", INTEGER, "Maximum capacity of array in gigabytes"),
        Column(
            "memory_error_info_handle",
            TEXT,
            "Handle, or instance number, associated with any error that was detected for the array",
        ),
        Column("number_memory_devices", INTEGER, "Number of memory devices on array"),
    ],
)
def memory_arrays(ctx: QueryContext) -> Iterator[Row]:
    """One row per SMBIOS Physical Memory Array structure."""
    for s in ctx.host.smbios.structures(TYPE_MEMORY_ARRAY):
        if s.size < _MIN_SIZE:
            continue
        capacity = s.dword(0x07)
        # 0x80000000 defers to the Extended Maximum Capacity, in bytes; the DWORD is in KiB.
        gigabytes = (
            s.qword(0x0F) // 1_073_741_824 if capacity >= 0x80000000 else capacity // 1_048_576
        )
        error_handle = s.word(0x0B)
        yield {
            "handle": f"0x{s.word(0x02):04x}",
            "location": LOCATIONS.get(s.byte(0x04)),
            "use": USES.get(s.byte(0x05)),
            "memory_error_correction": ERROR_CORRECTIONS.get(s.byte(0x06)),
            "max_capacity": gigabytes,
            "memory_error_info_handle": (
                None if error_handle in _NO_ERROR_HANDLES else f"0x{error_handle:04x}"
            ),
            "number_memory_devices": s.word(0x0D),
        }
