"""memory_devices: SMBIOS type 17 structures from a DMI table in the kernel's binary form."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from hostql.tables.hardware.memory_devices import memory_devices
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")


def device_body(**fields: int) -> bytes:
    """The formatted area (after the header) of an SMBIOS 2.8 Memory Device."""
    values = {
        "array": 0x1000,
        "error": 0xFFFE,
        "total": 72,
        "data": 64,
        "size": 0x4000,
        "form": 0x09,
        "set": 0,
        "locator": 1,
        "bank": 2,
        "type": 0x1A,
        "detail": 0x2080,
        "speed": 2933,
        "maker": 3,
        "serial": 4,
        "asset": 5,
        "part": 6,
        "attributes": 2,
        "extended": 0,
        "configured": 2666,
        "vmin": 1200,
        "vmax": 1350,
        "vconf": 1250,
    }
    values.update(fields)
    return struct.pack("<HHHHHBBBBBHHBBBBBIHHHH", *values.values())


STRINGS = ("DIMM 0", "P0 CHANNEL A", "Samsung", "0x1234ABCD", "Asset  ", "M393A2K43DB3-CWE   ")


def test_populated_slot(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    root = dmi(structure(17, 0x1100, device_body(), STRINGS), END)
    assert run_table(memory_devices, root=root) == [
        {
            "handle": "0x1100",
            "array_handle": "0x1000",
            "form_factor": "DIMM",
            "total_width": 72,
            "data_width": 64,
            "size": 16384,
            "set": 0,
            "device_locator": "DIMM 0",
            "bank_locator": "P0 CHANNEL A",
            "memory_type": "DDR4",
            "memory_type_details": "Synchronous Registered (Buffered)",
            "max_speed": 2933,
            "configured_clock_speed": 2666,
            "manufacturer": "Samsung",
            "serial_number": "0x1234ABCD",
            "asset_tag": "Asset",
            "part_number": "M393A2K43DB3-CWE",
            "min_voltage": 1200,
            "max_voltage": 1350,
            "configured_voltage": 1250,
        }
    ]


def test_unknown_values_are_null(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    empty = device_body(
        total=0xFFFF,
        data=0xFFFF,
        size=0xFFFF,
        form=0x42,
        set=0xFF,
        type=0x99,
        detail=0,
        speed=0,
        configured=0xFFFF,
        vmin=0,
        vmax=0,
        vconf=0,
        maker=0,
        serial=9,
    )
    root = dmi(structure(17, 0x1101, empty, ("DIMM 1", "BANK 1")), END)
    (row,) = run_table(memory_devices, root=root)
    assert row == {
        "handle": "0x1101",
        "array_handle": "0x1000",
        "form_factor": None,
        "total_width": None,
        "data_width": None,
        "size": None,
        "set": None,
        "device_locator": "DIMM 1",
        "bank_locator": "BANK 1",
        "memory_type": None,
        "memory_type_details": "",
        "max_speed": None,
        "configured_clock_speed": None,
        "manufacturer": "",
        "serial_number": "",
        "asset_tag": "",
        "part_number": "",
        "min_voltage": None,
        "max_voltage": None,
        "configured_voltage": None,
    }


def test_extended_size(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    big = structure(17, 0x1102, device_body(size=0x7FFF, extended=262144), STRINGS)
    root = dmi(big, END)
    assert run_table(memory_devices, root=root, columns="handle, size") == [
        {"handle": "0x1102", "size": 262144}
    ]


def test_short_and_other_structures_are_skipped(
    dmi: Callable[..., Path], structure: Callable[..., bytes]
) -> None:
    smbios_2_3 = structure(17, 0x1103, device_body()[:0x11])  # 21-byte formatted area
    bios = structure(0, 0x0000, bytes(20), ("vendor",))
    root = dmi(bios, smbios_2_3, structure(17, 0x1104, device_body(), STRINGS), END)
    assert [r["handle"] for r in run_table(memory_devices, root=root)] == ["0x1104"]


def test_no_dmi_table_means_no_rows(tmp_path: Path) -> None:
    assert run_table(memory_devices, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_the_dmi_table() -> None:
    dmi = Path("/sys/firmware/dmi/tables/DMI")
    if not dmi.exists():
        assert run_table(memory_devices) == []
        return
    table = dmi.read_bytes()
    count, offset = 0, 0
    while offset + 4 <= len(table) and table[offset + 1]:
        if table[offset] == 17 and table[offset + 1] >= 0x28:
            count += 1
        end = table.find(b"\0\0", offset + table[offset + 1])
        offset = end + 2
    assert len(run_table(memory_devices)) == count
