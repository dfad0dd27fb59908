"""memory_arrays: SMBIOS type 16 structures."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from hostql.tables.hardware.memory_arrays import memory_arrays
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")


def array_body(
    location: int, use: int, ecc: int, capacity: int, error: int, count: int, extended: int = 0
) -> bytes:
    """The formatted area of an SMBIOS 2.7 Physical Memory Array (0x17 bytes in all)."""
    return struct.pack("<BBBIHHQ", location, use, ecc, capacity, error, count, extended)


def test_arrays(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    root = dmi(
        structure(16, 0x1000, array_body(0x03, 0x03, 0x06, 128 * 1024 * 1024, 0xFFFE, 4)),
        structure(16, 0x1001, array_body(0xA1, 0x07, 0x42, 0x80000000, 0x1800, 2, 2 << 40)),
        structure(16, 0x1002, array_body(0x03, 0x03, 0x03, 0, 0xFFFE, 1)[:0x0B]),  # SMBIOS 2.1
        END,
    )
    assert run_table(memory_arrays, root=root) == [
        {
            "handle": "0x1000",
            "location": "System board or motherboard",
            "use": "System memory",
            "memory_error_correction": "Multi-bit ECC",
            "max_capacity": 128,
            "memory_error_info_handle": None,
            "number_memory_devices": 4,
        },
        {
            "handle": "0x1001",
            "location": "PC-98/C24 add-on card",
            "use": "Cache memory",
            "memory_error_correction": None,
            "max_capacity": 2048,
            "memory_error_info_handle": "0x1800",
            "number_memory_devices": 2,
        },
    ]


def test_no_table(tmp_path: Path) -> None:
    assert run_table(memory_arrays, root=tmp_path) == []
