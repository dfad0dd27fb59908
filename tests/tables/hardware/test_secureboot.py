"""secureboot: the SecureBoot and SetupMode variables in efivarfs format."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hostql.host.efi import GLOBAL_VARIABLE_GUID
from hostql.tables.hardware.secureboot import secureboot
from hostql.testing import run_table

ATTRIBUTES = struct.pack("<I", 0x06)  # boot service + runtime access


def efivars(root: Path, **values: bytes) -> Path:
    directory = root / "sys/firmware/efi/efivars"
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in values.items():
        (directory / f"{name}-{GLOBAL_VARIABLE_GUID}").write_bytes(data)
    return root


def test_enabled_and_user_mode(tmp_path: Path) -> None:
    root = efivars(tmp_path, SecureBoot=ATTRIBUTES + b"\x01", SetupMode=ATTRIBUTES + b"\x00")
    assert run_table(secureboot, root=root) == [{"secure_boot": 1, "setup_mode": 0}]


def test_odd_value_short_file_and_missing_variable(tmp_path: Path) -> None:
    root = efivars(tmp_path, SecureBoot=ATTRIBUTES + b"\x07\x00")
    assert run_table(secureboot, root=root) == [{"secure_boot": -1, "setup_mode": None}]
    efivars(tmp_path, SecureBoot=ATTRIBUTES[:3], SetupMode=ATTRIBUTES + b"\x01")
    assert run_table(secureboot, root=root) == [{"secure_boot": None, "setup_mode": 1}]


def test_uefi_without_efivarfs_mounted_gives_an_empty_row(tmp_path: Path) -> None:
    (tmp_path / "sys/firmware/efi").mkdir(parents=True)
    assert run_table(secureboot, root=tmp_path) == [{"secure_boot": None, "setup_mode": None}]


def test_bios_host_has_no_rows(tmp_path: Path) -> None:
    assert run_table(secureboot, root=tmp_path) == []


def test_macos_columns_exist_hidden_and_null(tmp_path: Path) -> None:
    root = efivars(tmp_path, SecureBoot=ATTRIBUTES + b"\x01")
    columns = "secure_mode, description, kernel_extensions, mdm_operations"
    assert run_table(secureboot, root=root, columns=columns) == [
        {
            "secure_mode": None,
            "description": None,
            "kernel_extensions": None,
            "mdm_operations": None,
        }
    ]


@pytest.mark.live
def test_live_matches_efivarfs() -> None:
    rows = run_table(secureboot)
    if not Path("/sys/firmware/efi").is_dir():
        assert rows == []
        return
    path = Path(f"/sys/firmware/efi/efivars/SecureBoot-{GLOBAL_VARIABLE_GUID}")
    if path.exists():
        assert rows[0]["secure_boot"] == path.read_bytes()[4]
