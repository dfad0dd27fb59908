"""memory_array_mapped_addresses: SMBIOS type 19, address ranges mapped to memory arrays."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.smbios import TYPE_MEMORY_ARRAY_MAPPED_ADDRESS
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_MIN_SIZE = 0x17 + 8


@table(
    "memory_array_mapped_addresses",
    "Data associated for address mapping of physical memory arrays.",
    platforms=(LINUX, MACOS),
    examples=("select * from memory_array_mapped_addresses",),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column("handle", TEXT, "Handle, or instance number, associated with the structure"),
        Column(
            "memory_array_handle",
            TEXT,
            "Handle of the memory array associated with this structure",
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
            "partition_width",
            INTEGER,
            "Number of memory devices that form a single row of memory for the address "
            "partition of this structure",
        ),
    ],
)
def memory_array_mapped_addresses(ctx: QueryContext) -> Iterator[Row]:
    """One row per SMBIOS Memory Array Mapped Address structure."""
    for s in ctx.host.smbios.structures(TYPE_MEMORY_ARRAY_MAPPED_ADDRESS):
        if s.size < _MIN_SIZE:
            continue
        starting, ending = s.address_range(extended=0x0F)
        yield {
            "handle": f"0x{s.word(0x02):04x}",
            "memory_array_handle": f"0x{s.word(0x0C):04x}",
            "starting_address": starting,
            "ending_address": ending,
            "partition_width": s.byte(0x0E),
        }
