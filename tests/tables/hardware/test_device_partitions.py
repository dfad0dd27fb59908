"""device_partitions: volume system entries of MBR and GPT disk images, via TSK."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hostql.tables.hardware.device_partitions import device_partitions
from hostql.testing import run_table


@pytest.fixture
def filesystem(tmp_path: Path, ext4: Callable[..., bytes]) -> bytes:
    content = tmp_path / "content"
    content.mkdir()
    (content / "hello.txt").write_text("hello\n")
    return ext4(tmp_path / "fs.img", content)


def test_gpt_disk(tmp_path: Path, filesystem: bytes, disk_image: Callable[..., Path]) -> None:
    disk_image(tmp_path / "root/dev/sdz", "gpt", filesystem)
    rows = run_table(device_partitions, "device = '/dev/sdz'", root=tmp_path / "root")
    meta = {"blocks_size": 512, "inodes": -1, "flags": 4, "type": "meta"}
    gap = {"blocks_size": 512, "inodes": -1, "flags": 2, "type": "unallocated"}
    assert rows == [
        {
            "device": "/dev/sdz",
            "partition": 0,
            "label": "Safety Table",
            "offset": 0,
            "blocks": 1,
            **meta,
        },
        {
            "device": "/dev/sdz",
            "partition": 1,
            "label": "Unallocated",
            "offset": 0,
            "blocks": 2048,
            **gap,
        },
        {
            "device": "/dev/sdz",
            "partition": 2,
            "label": "GPT Header",
            "offset": 512,
            "blocks": 1,
            **meta,
        },
        {
            "device": "/dev/sdz",
            "partition": 3,
            "label": "Partition Table",
            "offset": 1024,
            "blocks": 32,
            **meta,
        },
        {
            "device": "/dev/sdz",
            "partition": 4,
            "label": "root",
            "type": "ext4",
            "offset": 1048576,
            "blocks_size": 1024,
            "blocks": 4096,
            "inodes": 65,
            "flags": 2,
        },
        {
            "device": "/dev/sdz",
            "partition": 5,
            "label": "Unallocated",
            "offset": 5242880,
            "blocks": 2048,
            **gap,
        },
    ]


def test_mbr_disk(tmp_path: Path, filesystem: bytes, disk_image: Callable[..., Path]) -> None:
    disk_image(tmp_path / "root/dev/sdz", "mbr", filesystem)
    rows = run_table(
        device_partitions,
        "device = '/dev/sdz'",
        root=tmp_path / "root",
        columns="partition, label, type, offset, blocks, flags",
    )
    assert rows == [
        {
            "partition": 0,
            "label": "Primary Table (#0)",
            "type": "meta",
            "offset": 0,
            "blocks": 1,
            "flags": 4,
        },
        {
            "partition": 1,
            "label": "Unallocated",
            "type": "unallocated",
            "offset": 0,
            "blocks": 2048,
            "flags": 2,
        },
        {
            "partition": 2,
            "label": "Linux (0x83)",
            "type": "ext4",
            "offset": 1048576,
            "blocks": 4096,
            "flags": 2,
        },
        {
            "partition": 3,
            "label": "Unallocated",
            "type": "unallocated",
            "offset": 5242880,
            "blocks": 1024,
            "flags": 2,
        },
        {
            "partition": 4,
            "label": "Linux Swap / Solaris x86 (0x82)",
            "type": "normal",
            "offset": 5767168,
            "blocks": 512,
            "flags": 1,
        },
        {
            "partition": 5,
            "label": "Unallocated",
            "type": "unallocated",
            "offset": 6029312,
            "blocks": 512,
            "flags": 2,
        },
    ]


def test_bare_filesystem_or_missing_device_has_no_rows(tmp_path: Path, filesystem: bytes) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/sdz1").write_bytes(filesystem)
    assert run_table(device_partitions, "device = '/dev/sdz1'", root=tmp_path) == []
    assert run_table(device_partitions, "device = '/dev/none'", root=tmp_path) == []


@pytest.mark.live
def test_live_runs_without_error() -> None:
    for path in Path("/sys/class/block").iterdir():
        if not (path / "partition").exists():
            run_table(device_partitions, "device = ?", f"/dev/{path.name}")
