"""device_hash: hashes of inode content inside a disk image partition, via TSK."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from hostql.tables.hardware.device_file import device_file
from hostql.tables.hardware.device_hash import device_hash
from hostql.testing import run_table

PAYLOAD = bytes(range(256)) * 50  # spans several 4 KiB reads and 1 KiB blocks


@pytest.fixture
def root(tmp_path: Path, ext4: Callable[..., bytes], disk_image: Callable[..., Path]) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    (content / "payload.bin").write_bytes(PAYLOAD)
    (content / "empty").write_bytes(b"")
    disk_image(tmp_path / "root/dev/sdz", "mbr", ext4(tmp_path / "fs.img", content))
    return tmp_path / "root"


def inode_of(root: Path, path: str) -> int:
    where = "device = '/dev/sdz' and partition = '2' and path = ?"
    return run_table(device_file, where, path, root=root)[0]["inode"]


def test_hashes(root: Path) -> None:
    payload, empty = inode_of(root, "/payload.bin"), inode_of(root, "/empty")
    rows = run_table(
        device_hash,
        f"device = '/dev/sdz' and partition = '2' and inode in ({payload}, {empty}, 999999)",
        root=root,
    )
    assert sorted(rows, key=lambda r: r["inode"]) == sorted(
        [
            {
                "device": "/dev/sdz",
                "partition": "2",
                "inode": payload,
                "md5": hashlib.md5(PAYLOAD).hexdigest(),
                "sha1": hashlib.sha1(PAYLOAD).hexdigest(),
                "sha256": hashlib.sha256(PAYLOAD).hexdigest(),
            },
            {
                "device": "/dev/sdz",
                "partition": "2",
                "inode": empty,
                "md5": "",
                "sha1": "",
                "sha256": "",
            },
        ],
        key=lambda r: r["inode"],
    )


def test_wrong_partition_or_device(root: Path) -> None:
    payload = inode_of(root, "/payload.bin")
    assert (
        run_table(
            device_hash, "device = '/dev/sdz' and partition = '1' and inode = ?", payload, root=root
        )
        == []
    )
    assert (
        run_table(
            device_hash, "device = '/dev/no' and partition = '2' and inode = ?", payload, root=root
        )
        == []
    )
