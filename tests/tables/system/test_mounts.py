"""mounts: /proc/mounts parsing with escapes, statfs figures, autofs, live statvfs check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostql.host.sysinfo import FsStats, Sysinfo
from hostql.tables.system.mounts import mounts
from hostql.testing import run_table

MOUNTS = (
    "/dev/sda1 / ext4 rw,relatime 0 0\n"
    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
    "/dev/sdb1 /mnt/my\\040disk vfat ro 0 0\n"
    "systemd-1 /auto autofs rw,fd=30 0 0\n"
    "broken line\n"
)


def test_rows_with_statfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/mounts").write_text(MOUNTS)
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/sda1").write_text("")
    (tmp_path / "dev/root").symlink_to("sda1")
    asked: list[str] = []

    def statfs(self: Sysinfo, path: str) -> FsStats | None:
        asked.append(path)
        return FsStats(4096, 1000, 600, 500, 64, 32) if path == "/" else None

    monkeypatch.setattr(Sysinfo, "statfs", statfs)
    rows = run_table(mounts, root=tmp_path)
    zeros = dict.fromkeys(
        ("blocks_size", "blocks", "blocks_free", "blocks_available", "inodes", "inodes_free"), 0
    )
    assert rows == [
        {
            "device": "/dev/sda1",
            "device_alias": "/dev/sda1",
            "path": "/",
            "type": "ext4",
            "blocks_size": 4096,
            "blocks": 1000,
            "blocks_free": 600,
            "blocks_available": 500,
            "inodes": 64,
            "inodes_free": 32,
            "flags": "rw,relatime",
        },
        {
            "device": "proc",
            "device_alias": "proc",
            "path": "/proc",
            "type": "proc",
            **zeros,
            "flags": "rw,nosuid,nodev,noexec,relatime",
        },
        {
            "device": "/dev/sdb1",
            "device_alias": "/dev/sdb1",
            "path": "/mnt/my disk",
            "type": "vfat",
            **zeros,
            "flags": "ro",
        },
        {
            "device": "systemd-1",
            "device_alias": "systemd-1",
            "path": "/auto",
            "type": "autofs",
            **zeros,
            "flags": "rw,fd=30",
        },
    ]
    # statfs would trigger the automount: osquery never calls it on autofs.
    assert asked == ["/", "/proc", "/mnt/my disk"]


def test_device_alias_resolves_symlinks_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/mounts").write_text("/dev/root / ext4 rw 0 0\n")
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/vda").write_text("")
    (tmp_path / "dev/root").symlink_to("vda")
    (row,) = run_table(mounts, root=tmp_path, columns="device, device_alias")
    assert row == {"device": "/dev/root", "device_alias": "/dev/vda"}


@pytest.mark.live
def test_live_mounts_match_proc_and_statvfs() -> None:
    with open("/proc/mounts") as handle:
        lines = [line.split() for line in handle if line.strip()]
    rows = run_table(mounts)
    assert [(r["path"], r["type"]) for r in rows] == [
        (fields[1].replace("\\040", " "), fields[2]) for fields in lines
    ]
    root = next(r for r in rows if r["path"] == "/")
    st = os.statvfs("/")
    assert (root["blocks_size"], root["blocks"], root["inodes"]) == (
        st.f_bsize,
        st.f_blocks,
        st.f_files,
    )
    assert abs(root["blocks_free"] - st.f_bfree) < 10_000
