"""platform_info: the SMBIOS BIOS Information structure and the firmware kind."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from hostql.tables.hardware.platform_info import platform_info
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")


def bios_body(rom_blocks: int = 0, major: int = 1, minor: int = 16) -> bytes:
    """Vendor 1, version 2, segment 0xE800, date 3, ROM size, characteristics, releases."""
    return struct.pack(
        "<BBHBBQBBBBBB", 1, 2, 0xE800, 3, rom_blocks, 0x08, 0, 0, major, minor, 0xFF, 0xFF
    )


STRINGS = ("SeaBIOS", "1.16.2-debian-1.16.2-1", "04/01/2014")


def test_bios_information(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    root = dmi(structure(0, 0x0000, bios_body(rom_blocks=0x0F), STRINGS), END)
    assert run_table(platform_info, root=root) == [
        {
            "vendor": "SeaBIOS",
            "version": "1.16.2-debian-1.16.2-1",
            "date": "04/01/2014",
            "revision": "1.16",
            "extra": "",
            "firmware_type": "bios",
            "address": "0xe800",
            "size": str(16 * 64 * 1024),
            "volume_size": 0,
        }
    ]


def test_uefi_host(dmi: Callable[..., Path], structure: Callable[..., bytes]) -> None:
    root = dmi(structure(0, 0x0000, bios_body(), STRINGS), END)
    (root / "sys/firmware/efi").mkdir(parents=True)
    assert run_table(platform_info, root=root, columns="firmware_type") == [
        {"firmware_type": "uefi"}
    ]


def test_old_short_bios_structure_skipped(
    dmi: Callable[..., Path], structure: Callable[..., bytes]
) -> None:
    root = dmi(structure(0, 0x0000, bios_body()[:0x0E]), END)
    assert run_table(platform_info, root=root) == []


@pytest.mark.live
def test_live_matches_sysfs_dmi_id() -> None:
    rows = run_table(platform_info)
    if not Path("/sys/firmware/dmi/tables/DMI").exists():
        assert rows == []
        return
    (row,) = rows
    dmi_id = Path("/sys/class/dmi/id")
    assert row["vendor"] == (dmi_id / "bios_vendor").read_text().strip()
    assert row["version"] == (dmi_id / "bios_version").read_text().strip()
    assert row["date"] == (dmi_id / "bios_date").read_text().strip()
