"""memory_device_mapped_addresses: SMBIOS type 20 structures."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from hostql.tables.hardware.memory_device_mapped_addresses import (
    memory_device_mapped_addresses,
)
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")


def mapped_body(start: int, end: int, row: int, ext_start: int = 0, ext_end: int = 0) -> bytes:
    """The formatted area of an SMBIOS 2.7 Memory Device Mapped Address (0x23 bytes in all)."""
    return struct.pack("<IIHHBBBQQ", start, end, 0x1100, 0x1300, row, 1, 2, ext_start, ext_end)


def test_32_and_64_bit_ranges(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    root = dmi(
        structure(20, 0x1400, mapped_body(0x400, 0x7FFFFF, 1)),
        structure(20, 0x1401, mapped_body(0xFFFFFFFF, 0, 0xFF, 1 << 32, (3 << 32) - 1)),
        END,
    )
    assert run_table(memory_device_mapped_addresses, root=root) == [
        {
            "handle": "0x1400",
            "memory_device_handle": "0x1100",
            "memory_array_mapped_address_handle": None,
            "starting_address": "0x00000400",
            "ending_address": "0x007fffff",
            "partition_row_position": 1,
            "interleave_position": 1,
            "interleave_data_depth": 2,
        },
        {
            "handle": "0x1401",
            "memory_device_handle": "0x1100",
            "memory_array_mapped_address_handle": None,
            "starting_address": "0x000100000000",
            "ending_address": "0x0002ffffffff",
            "partition_row_position": 255,
            "interleave_position": 1,
            "interleave_data_depth": 2,
        },
    ]


def test_short_structure_skipped(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    root = dmi(structure(20, 0x1400, mapped_body(0, 1, 1)[:0x0F]), END)
    assert run_table(memory_device_mapped_addresses, root=root) == []
