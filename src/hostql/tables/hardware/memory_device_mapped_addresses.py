"""memory_device_mapped_addresses: SMBIOS type 20, address ranges mapped to memory devices."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.smbios import TYPE_MEMORY_DEVICE_MAPPED_ADDRESS
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_MIN_SIZE = 0x1B + 8


@table(
    "memory_device_mapped_addresses",
    "Data associated for address mapping of physical memory devices.",
    platforms=(LINUX, MACOS),
    examples=("select * from memory_device_mapped_addresses",),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column("handle", TEXT, "Handle, or instance number, associated with the structure"),
        Column(
            "memory_device_handle",
            TEXT,
            "Handle of the memory device structure associated with this structure",
        ),
        Column(
            "memory_array_mapped_address_handle",
            TEXT,
            "Handle of the memory array mapped address to which this device range is mapped to",
        ),
        Column(
            "starting_address",
            TEXT,
            "Physical stating address, in kilobytes, of a range of memory mapped to physical "
            "memory array",
        ),
        Column(
            "ending_address",
            TEXT,
            "Physical ending address of last kilobyte of a range of memory mapped to physical "
            "memory array",
        ),
        Column(
            "partition_row_position",
            INTEGER,
            "Identifies the position of the referenced memory device in a row of the address "
            "partition",
        ),
        Column(
            "interleave_position",
            INTEGER,
            "The position of the device in a interleave, i.e. 0 indicates non-interleave, 1 "
            "indicates 1st interleave, 2 indicates 2nd interleave, etc.",
        ),
        Column(
            "interleave_data_depth",
            INTEGER,
            "The max number of consecutive rows from memory device that are accessed in a "
            "single interleave transfer; 0 indicates device is non-interleave",
        ),
    ],
)
def memory_device_mapped_addresses(ctx: QueryContext) -> Iterator[Row]:
    """One row per SMBIOS Memory Device Mapped Address structure."""
    for s in ctx.host.smbios.structures(TYPE_MEMORY_DEVICE_MAPPED_ADDRESS):
        if s.size < _MIN_SIZE:
            continue
        starting, ending = s.address_range(extended=0x13)
        # osquery never fills memory_array_mapped_address_handle (the WORD at 0x0E): NULL.
        yield {
            "handle": f"0x{s.word(0x02):04x}",
            "memory_device_handle": f"0x{s.word(0x0C):04x}",
            "starting_address": starting,
            "ending_address": ending,
            "partition_row_position": s.byte(0x10),
            "interleave_position": s.byte(0x11),
            "interleave_data_depth": s.byte(0x12),
        }
