"""memory_error_info: SMBIOS type 18, the 32-bit memory error information structures."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.smbios import TYPE_MEMORY_ERROR_INFO
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

ERROR_TYPES: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "OK",
    0x04: "Bad read",
    0x05: "Parity error",
    0x06: "Single-bit error",
    0x07: "Double-bit error",
    0x08: "Multi-bit error",
    0x09: "Nibble error",
    0x0A: "Checksum error",
    0x0B: "CRC error",
    0x0C: "Corrected single-bit error",
    0x0D: "Corrected error",
    0x0E: "Uncorrectable error",
}

GRANULARITIES: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "Device level",
    0x04: "Memory partition level",
}

OPERATIONS: dict[int, str] = {
    0x01: "Other",
    0x02: "Unknown",
    0x03: "Read",
    0x04: "Write",
    0x05: "Partial write",
}

_MIN_SIZE = 0x13 + 4
# SMBIOS marks an unknown address or resolution with 0x80000000.
_UNKNOWN = 0x80000000


@table(
    "memory_error_info",
    "Data associated with errors of a physical memory array.",
    platforms=(LINUX, MACOS),
    examples=("select * from memory_error_info",),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column("handle", TEXT, "Handle, or instance number, associated with the structure"),
        Column(
            "error_type",
            TEXT,
            "type of error associated with current error status for array or device",
        ),
        Column("error_granularity", TEXT, "Granularity to which the error can be resolved"),
        Column("error_operation", TEXT, "Memory access operation that caused the error"),
        Column(
            "vendor_syndrome",
            TEXT,
            "Vendor specific ECC syndrome or CRC data associated with the erroneous access",
        ),
        Column(
            "memory_array_error_address",
            TEXT,
            "32 bit physical address of the error based on the addressing of the bus to which "
            "the memory array is connected",
        ),
        Column(
            "device_error_address",
            TEXT,
            "32 bit physical address of the error relative to the start of the failing memory "
            "address, in bytes",
        ),
        Column(
            "error_resolution",
            TEXT,
            "Range, in bytes, within which this error can be determined, when an error address "
            "is given",
        ),
    ],
)
def memory_error_info(ctx: QueryContext) -> Iterator[Row]:
    """One row per SMBIOS 32-bit Memory Error Information structure."""
    for s in ctx.host.smbios.structures(TYPE_MEMORY_ERROR_INFO):
        if s.size < _MIN_SIZE:
            continue
        row: Row = {
            "handle": f"0x{s.word(0x02):04x}",
            "error_type": ERROR_TYPES.get(s.byte(0x04)),
            "error_granularity": GRANULARITIES.get(s.byte(0x05)),
            "error_operation": OPERATIONS.get(s.byte(0x06)),
        }
        if syndrome := s.dword(0x07):
            row["vendor_syndrome"] = f"0x{syndrome:08x}"
        for column, offset in (
            ("memory_array_error_address", 0x0B),
            ("device_error_address", 0x0F),
            ("error_resolution", 0x13),
        ):
            if (value := s.dword(offset)) != _UNKNOWN:
                row[column] = f"0x{value:08x}"
        yield row
