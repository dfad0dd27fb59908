"""memory_array_mapped_addresses: SMBIOS type 19 structures."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from hostql.tables.hardware.memory_array_mapped_addresses import memory_array_mapped_addresses
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")


def mapped_body(
    start: int, end: int, array: int, width: int, ext_start: int = 0, ext_end: int = 0
) -> bytes:
    """The formatted area of an SMBIOS 2.7 Memory Array Mapped Address (0x1F bytes in all)."""
    return struct.pack("<IIHBQQ", start, end, array, width, ext_start, ext_end)


def test_32_and_64_bit_ranges(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    root = dmi(
        structure(19, 0x1300, mapped_body(0, 0x7FFFFF, 0x1000, 1)),
        structure(19, 0x1301, mapped_body(0xFFFFFFFF, 0, 0x1000, 2, 0x100000000, 0x87FFFFFFF)),
        structure(19, 0x1302, mapped_body(0, 0x3FF, 0x1000, 1)[:0x0B]),  # pre-2.7: too short
        END,
    )
    assert run_table(memory_array_mapped_addresses, root=root) == [
        {
            "handle": "0x1300",
            "memory_array_handle": "0x1000",
            "starting_address": "0x00000000",
            "ending_address": "0x007fffff",
            "partition_width": 1,
        },
        {
            "handle": "0x1301",
            "memory_array_handle": "0x1000",
            "starting_address": "0x000100000000",
            "ending_address": "0x00087fffffff",
            "partition_width": 2,
        },
    ]


def test_no_table(tmp_path: Path) -> None:
    assert run_table(memory_array_mapped_addresses, root=tmp_path) == []
