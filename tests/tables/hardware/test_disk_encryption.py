"""disk_encryption: dm-crypt mappings found from dm uuids and LUKS headers in sysfs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.hardware.disk_encryption import disk_encryption
from hostql.testing import run_table

BOOT_UUID = "0e9c6d5e-7a43-4a0c-9a55-8f4a3e0c1b11"
LUKS_UUID = "5c1f1a3e-2b7d-4f60-9a0e-6a2d9b3c4e5f"


def test_luks_mapping_and_the_volume_on_it_are_encrypted(block_root: Path) -> None:
    plain = {"encrypted": 0, "type": "", "encryption_status": "not encrypted"}
    luks = {"encrypted": 1, "type": "LUKS2-aes-xts-plain64", "encryption_status": "encrypted"}
    assert run_table(disk_encryption, root=block_root) == [
        {"name": "/dev/dm-0", "uuid": "", **luks},
        {"name": "/dev/dm-1", "uuid": "", **luks},
        {"name": "/dev/loop0", "uuid": "", **plain},
        {"name": "/dev/sda", "uuid": "", **plain},
        {"name": "/dev/sda1", "uuid": BOOT_UUID, **plain},
        {"name": "/dev/sda2", "uuid": LUKS_UUID, **plain},
    ]


def test_disk_encryption_without_the_luks_header(block_root: Path) -> None:
    (block_root / "dev/sda2").unlink()
    rows = run_table(disk_encryption, "name = '/dev/dm-1'", root=block_root, columns="name, type")
    assert rows == [{"name": "/dev/dm-1", "type": "LUKS2"}]


@pytest.mark.live
def test_live_encryption_matches_dm_uuids() -> None:
    rows = {r["name"]: r for r in run_table(disk_encryption)}
    assert set(rows) == {f"/dev/{p.name}" for p in Path("/sys/class/block").iterdir()}
    for path in Path("/sys/class/block").iterdir():
        uuid = path / "dm/uuid"
        if uuid.exists() and uuid.read_text().startswith("CRYPT-LUKS"):
            assert rows[f"/dev/{path.name}"]["encrypted"] == 1


def test_no_sysfs(tmp_path: Path) -> None:
    assert run_table(disk_encryption, root=tmp_path) == []
