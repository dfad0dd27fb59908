"""smbios_tables: every structure of a DMI table with its sizes and MD5."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hostql.tables.hardware.smbios_tables import smbios_tables
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")


def test_every_structure_in_table_order(
    dmi: Callable[..., Path], structure: Callable[..., bytes]
) -> None:
    bios = structure(0, 0x0000, bytes(0x14), ("SeaBIOS", "1.16", "04/01/2014"))
    system = structure(1, 0x0100, bytes(0x17), ("QEMU",))
    vendor_specific = structure(200, 0x0C00, b"\x01\x02")
    root = dmi(bios, system, vendor_specific, END, trailer=b"\x00" * 16)
    assert run_table(smbios_tables, root=root) == [
        {
            "number": 0,
            "type": 0,
            "description": "BIOS Information",
            "handle": 0,
            "header_size": 0x18,
            "size": len(bios),
            "md5": hashlib.md5(bios).hexdigest(),
        },
        {
            "number": 1,
            "type": 1,
            "description": "System Information",
            "handle": 0x0100,
            "header_size": 0x1B,
            "size": len(system),
            "md5": hashlib.md5(system).hexdigest(),
        },
        {
            "number": 2,
            "type": 200,
            "description": "Unknown",
            "handle": 0x0C00,
            "header_size": 6,
            "size": len(vendor_specific),
            "md5": hashlib.md5(vendor_specific).hexdigest(),
        },
        {
            # The last structure loses its terminator (osquery's scan stops 4 bytes early).
            "number": 3,
            "type": 127,
            "description": "End-of-Table",
            "handle": 0xFEFF,
            "header_size": 4,
            "size": 4,
            "md5": hashlib.md5(END[:4]).hexdigest(),
        },
    ]


def test_entry_point_length_bounds_the_table(
    dmi: Callable[..., Path], structure: Callable[..., bytes]
) -> None:
    root = dmi(structure(1, 0x0100, bytes(0x17), ("QEMU",)), END, trailer=END + END)
    assert [r["type"] for r in run_table(smbios_tables, root=root)] == [1, 127]


def test_corrupt_table_stops_cleanly(tmp_path: Path) -> None:
    tables = tmp_path / "sys/firmware/dmi/tables"
    tables.mkdir(parents=True)
    (tables / "DMI").write_bytes(struct.pack("<BBH", 4, 0xF0, 0x0400) + b"short")
    assert run_table(smbios_tables, root=tmp_path) == []


def test_without_dmi_no_rows(tmp_path: Path) -> None:
    assert run_table(smbios_tables, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_dmidecode() -> None:
    rows = run_table(smbios_tables)
    if not Path("/sys/firmware/dmi/tables/DMI").exists():
        assert rows == []
        return
    if shutil.which("dmidecode") is None:
        pytest.skip("dmidecode is not installed")
    out = subprocess.run(["dmidecode", "-u"], capture_output=True, text=True, check=True)
    handles = [
        int(line.split()[1].rstrip(","), 16)
        for line in out.stdout.splitlines()
        if line.startswith("Handle 0x")
    ]
    assert [r["handle"] for r in rows][: len(handles)] == handles
