"""oem_strings: the strings of SMBIOS type 11 structures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hostql.tables.hardware.oem_strings import oem_strings
from hostql.testing import run_table

END = bytes.fromhex("7f04fffe0000")


def test_one_row_per_declared_string(
    dmi: Callable[..., Path], structure: Callable[..., bytes]
) -> None:
    root = dmi(
        structure(11, 0x0B00, b"\x02", ("Dell System  ", "5[0000]")),
        # Declares three strings but carries one: the missing ones read as "".
        structure(11, 0x0B01, b"\x03", ("only",)),
        structure(11, 0x0B02, b"\x00"),
        END,
    )
    assert run_table(oem_strings, root=root) == [
        {"handle": "0x0b00", "number": 1, "value": "Dell System"},
        {"handle": "0x0b00", "number": 2, "value": "5[0000]"},
        {"handle": "0x0b01", "number": 1, "value": "only"},
        {"handle": "0x0b01", "number": 2, "value": ""},
        {"handle": "0x0b01", "number": 3, "value": ""},
    ]


def test_no_table(tmp_path: Path) -> None:
    assert run_table(oem_strings, root=tmp_path) == []
