"""block_devices: the sysfs block tree, with libblkid's type, UUID and label."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hostql.tables.hardware.block_devices import block_devices
from hostql.testing import run_table

BOOT_UUID = "0e9c6d5e-7a43-4a0c-9a55-8f4a3e0c1b11"
LUKS_UUID = "5c1f1a3e-2b7d-4f60-9a0e-6a2d9b3c4e5f"


def test_block_devices(block_root: Path) -> None:
    disk = {"vendor": "ATA", "model": "Samsung SSD 860", "serial": "naa.5002538e40000001"}
    none = {"vendor": "", "model": "", "serial": ""}
    assert run_table(block_devices, root=block_root) == [
        {
            "name": "/dev/dm-0",
            "parent": "/dev/sda2",
            **disk,
            "size": 4064,
            "block_size": None,
            "uuid": "",
            "type": "",
            "label": "",
        },
        {
            "name": "/dev/dm-1",
            "parent": "/dev/dm-0",
            **disk,
            "size": 4000,
            "block_size": None,
            "uuid": "",
            "type": "",
            "label": "",
        },
        {
            "name": "/dev/loop0",
            "parent": "",
            **none,
            "size": 0,
            "block_size": 512,
            "uuid": "",
            "type": "",
            "label": "",
        },
        {
            "name": "/dev/sda",
            "parent": "",
            **disk,
            "size": 2000,
            "block_size": 512,
            "uuid": "",
            "type": "",
            "label": "",
        },
        {
            "name": "/dev/sda1",
            "parent": "/dev/sda",
            **disk,
            "size": 8192,
            "block_size": 512,
            "uuid": BOOT_UUID,
            "type": "ext4",
            "label": "boot",
        },
        {
            "name": "/dev/sda2",
            "parent": "/dev/sda",
            **disk,
            "size": 4096,
            "block_size": 512,
            "uuid": LUKS_UUID,
            "type": "crypto_LUKS",
            "label": "",
        },
    ]


def test_name_constraint_describes_only_that_device_and_its_parents(block_root: Path) -> None:
    rows = run_table(
        block_devices, "name = '/dev/sda1'", root=block_root, columns="name, model, size"
    )
    assert rows == [{"name": "/dev/sda1", "model": "Samsung SSD 860", "size": 8192}]
    assert run_table(block_devices, "name = '/dev/nope'", root=block_root) == []


@pytest.mark.live
def test_live_matches_lsblk_and_sysfs() -> None:
    rows = {r["name"]: r for r in run_table(block_devices)}
    assert set(rows) == {f"/dev/{p.name}" for p in Path("/sys/class/block").iterdir()}
    listed = json.loads(
        subprocess.run(
            ["lsblk", "-J", "-b", "-o", "NAME,SIZE,PKNAME"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["blockdevices"]

    def walk(devices: list[dict[str, object]]) -> list[dict[str, object]]:
        return [d for device in devices for d in [device, *walk(device.get("children", []))]]

    for device in walk(listed):
        row = rows[f"/dev/{device['name']}"]
        assert row["size"] * 512 == device["size"]
        assert row["parent"] == (f"/dev/{device['pkname']}" if device["pkname"] else "")


def test_no_sysfs(tmp_path: Path) -> None:
    assert run_table(block_devices, root=tmp_path) == []
