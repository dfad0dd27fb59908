"""memory_devices: SMBIOS type 17 structures, one per memory device (DIMM slot)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.smbios import TYPE_MEMORY_DEVICE
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

FORM_FACTORS: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "SIMM",
    0x04: "SIP",
    0x05: "Chip",
    0x06: "DIP",
    0x07: "ZIP",
    0x08: "Proprietary Card",
    0x09: "DIMM",
    0x0A: "TSOP",
    0x0B: "Row of chips",
    0x0C: "RIMM",
    0x0D: "SODIMM",
    0x0E: "SRIMM",
    0x0F: "FB-DIMM",
}

# osquery's table stops at LPDDR4 and repeats "RESERVED" for 0x15-0x17.
MEMORY_TYPES: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "DRAM",
    0x04: "EDRAM",
    0x05: "VRAM",
    0x06: "SRAM",
    0x07: "RAM",
    0x08: "ROM",
    0x09: "FLASH",
    0x0A: "EEPROM",
    0x0B: "FEPROM",
    0x0C: "EPROM",
    0x0D: "CDRAM",
    0x0E: "3DRAM",
    0x0F: "SDRAM",
    0x10: "SGRAM",
    0x11: "RDRAM",
    0x12: "DDR",
    0x13: "DDR2",
    0x14: "DDR2 FB-DIMM",
    0x15: "RESERVED",
    0x16: "RESERVED",
    0x17: "RESERVED",
    0x18: "DDR3",
    0x19: "FBD2",
    0x1A: "DDR4",
    0x1B: "LPDDR",
    0x1C: "LPDDR2",
    0x1D: "LPDDR3",
    0x1E: "LPDDR4",
}

# Bit n of the Type Detail word names TYPE_DETAILS[n].
TYPE_DETAILS: tuple[str, ...] = (
    "Reserved",
    "Other",
    "Unknown",
    "Fast-paged",
    "Static column",
    "Pseudo-static",
    "RAMBUS",
    "Synchronous",
    "CMOS",
    "EDO",
    "Window DRAM",
    "Cache DRAM",
    "Non-volatile",
    "Registered (Buffered)",
    "Unbuffered (Unregistered)",
    "LRDIMM",
)

# osquery skips structures shorter than the configured-voltage field's end (SMBIOS 2.8).
_MIN_SIZE = 0x26 + 4


def type_details(bits: int) -> str:
    """The names of the Type Detail bits set in bits, space-separated."""
    return " ".join(name for i, name in enumerate(TYPE_DETAILS) if bits & (1 << i))


@table(
    "memory_devices",
    "Physical memory device (type 17) information retrieved from SMBIOS.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from memory_devices",
        "select device_locator, size, memory_type from memory_devices where size > 0",
    ),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column(
            "handle",
            TEXT,
            "Handle, or instance number, associated with the structure in SMBIOS",
        ),
        Column("array_handle", TEXT, "The memory array that the device is attached to"),
        Column("form_factor", TEXT, "Implementation form factor for this memory device"),
        Column(
            "total_width",
            INTEGER,
            "Total width, in bits, of this memory device, including any check or "
            "error-correction bits",
        ),
        Column("data_width", INTEGER, "Data width, in bits, of this memory device"),
        Column("size", INTEGER, "Size of memory device in Megabyte"),
        Column(
            "set",
            INTEGER,
            "Identifies if memory device is one of a set of devices.  A value of 0 indicates "
            "no set affiliation.",
        ),
        Column(
            "device_locator",
            TEXT,
            "String number of the string that identifies the physically-labeled socket or "
            "board position where the memory device is located",
        ),
        Column(
            "bank_locator",
            TEXT,
            "String number of the string that identifies the physically-labeled bank where "
            "the memory device is located",
        ),
        Column("memory_type", TEXT, "Type of memory used"),
        Column("memory_type_details", TEXT, "Additional details for memory device"),
        Column(
            "max_speed",
            INTEGER,
            "Max speed of memory device in megatransfers per second (MT/s)",
        ),
        Column(
            "configured_clock_speed",
            INTEGER,
            "Configured speed of memory device in megatransfers per second (MT/s)",
        ),
        Column("manufacturer", TEXT, "Manufacturer ID string"),
        Column("serial_number", TEXT, "Serial number of memory device"),
        Column("asset_tag", TEXT, "Manufacturer specific asset tag of memory device"),
        Column("part_number", TEXT, "Manufacturer specific serial number of memory device"),
        Column("min_voltage", INTEGER, "Minimum operating voltage of device in millivolts"),
        Column("max_voltage", INTEGER, "Maximum operating voltage of device in millivolts"),
        Column(
            "configured_voltage",
            INTEGER,
            "Configured operating voltage of device in millivolts",
        ),
    ],
)
def memory_devices(ctx: QueryContext) -> Iterator[Row]:
    """One row per SMBIOS Memory Device structure; unknown or unset values stay NULL."""
    for s in ctx.host.smbios.structures(TYPE_MEMORY_DEVICE):
        if s.size < _MIN_SIZE:
            continue
        row: Row = {
            "handle": f"0x{s.word(0x02):04x}",
            "array_handle": f"0x{s.word(0x04):04x}",
            "form_factor": FORM_FACTORS.get(s.byte(0x0E)),
            "device_locator": s.string(s.byte(0x10)),
            "bank_locator": s.string(s.byte(0x11)),
            "memory_type": MEMORY_TYPES.get(s.byte(0x12)),
            "memory_type_details": type_details(s.word(0x13)),
            "manufacturer": s.string(s.byte(0x17)),
            "serial_number": s.string(s.byte(0x18)),
            "asset_tag": s.string(s.byte(0x19)),
            "part_number": s.string(s.byte(0x1A)),
        }
        for column, offset in (("total_width", 0x08), ("data_width", 0x0A)):
            if (bits := s.word(offset)) != 0xFFFF:
                row[column] = bits
        size = s.word(0x0C)
        if size != 0xFFFF:
            # 0x7FFF defers to the Extended Size field; osquery ignores the KB-granularity bit.
            row["size"] = size if size != 0x7FFF else s.dword(0x1C)
        if s.byte(0x0F) != 0xFF:
            row["set"] = s.byte(0x0F)
        for column, offset in (("max_speed", 0x15), ("configured_clock_speed", 0x20)):
            if (speed := s.word(offset)) not in (0x0000, 0xFFFF):
                row[column] = speed
        for column, offset in (
            ("min_voltage", 0x22),
            ("max_voltage", 0x24),
            ("configured_voltage", 0x26),
        ):
            if millivolts := s.word(offset):
                row[column] = millivolts
        yield row
