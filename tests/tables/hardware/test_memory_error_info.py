"""memory_error_info: SMBIOS type 18 structures."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from hostql.tables.hardware.memory_error_info import memory_error_info
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")
UNKNOWN = 0x80000000


def test_error_records(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    quiet = struct.pack("<BBBIIII", 0x03, 0x02, 0x02, 0, UNKNOWN, UNKNOWN, UNKNOWN)
    failing = struct.pack("<BBBIIII", 0x0C, 0x03, 0x03, 0xABCD, 0x1000, 0x20, 0x40)
    odd = struct.pack("<BBBIIII", 0x7F, 0x7F, 0x7F, 0, UNKNOWN, UNKNOWN, UNKNOWN)
    root = dmi(
        structure(18, 0x1800, quiet),
        structure(18, 0x1801, failing),
        structure(18, 0x1802, odd),
        structure(18, 0x1803, quiet[:8]),
        END,
    )
    assert run_table(memory_error_info, root=root) == [
        {
            "handle": "0x1800",
            "error_type": "OK",
            "error_granularity": "Unknown",
            "error_operation": "Unknown",
            "vendor_syndrome": None,
            "memory_array_error_address": None,
            "device_error_address": None,
            "error_resolution": None,
        },
        {
            "handle": "0x1801",
            "error_type": "Corrected single-bit error",
            "error_granularity": "Device level",
            "error_operation": "Read",
            "vendor_syndrome": "0x0000abcd",
            "memory_array_error_address": "0x00001000",
            "device_error_address": "0x00000020",
            "error_resolution": "0x00000040",
        },
        {
            "handle": "0x1802",
            "error_type": None,
            "error_granularity": None,
            "error_operation": None,
            "vendor_syndrome": None,
            "memory_array_error_address": None,
            "device_error_address": None,
            "error_resolution": None,
        },
    ]


def test_no_table(tmp_path: Path) -> None:
    assert run_table(memory_error_info, root=tmp_path) == []
