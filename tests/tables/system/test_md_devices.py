"""md_devices: arrays from /proc/mdstat joined to their sysfs state."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.md_devices import md_devices
from hostql.testing import engine_for, run_table

MDSTAT = """\
Personalities : [raid1] [raid6] [raid5] [raid4]
md1 : active raid5 sdd1[3] sdc1[1] sdb1[0] sde1[4](F)
      2095104 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]
      [===>.................]  recovery = 15.2% (159232/1047552) finish=0.9min speed=15923K/sec
      bitmap: 1/1 pages [4KB], 65536KB chunk

md0 : active raid1 sdb2[1] sda2[0]
      1046528 blocks super 1.2 [2/2] [UU]

md7 : inactive sdx1[0](S)
      1046528 blocks super 1.2

unused devices: <none>
"""
SYSFS = {
    "md0/md/level": "raid1", "md0/md/raid_disks": "2", "md0/md/chunk_size": "0",
    "md0/md/array_state": "clean", "md0/md/metadata_version": "1.2",
    "md0/md/bitmap/location": "none",
    "md0/md/dev-sda2/state": "in_sync", "md0/md/dev-sda2/slot": "0",
    "md0/md/dev-sdb2/state": "in_sync", "md0/md/dev-sdb2/slot": "1",
    "md1/md/level": "raid5", "md1/md/raid_disks": "3", "md1/md/chunk_size": "524288",
    "md1/md/array_state": "active", "md1/md/metadata_version": "1.2",
    "md1/md/bitmap/location": "+8",
    "md1/md/dev-sdb1/state": "in_sync", "md1/md/dev-sdb1/slot": "0",
    "md1/md/dev-sdc1/state": "in_sync", "md1/md/dev-sdc1/slot": "1",
    "md1/md/dev-sdd1/state": "spare", "md1/md/dev-sdd1/slot": "2",
    "md1/md/dev-sde1/state": "faulty", "md1/md/dev-sde1/slot": "none",
}  # fmt: skip


def md_root(root: Path) -> Path:
    """A host with arrays md0 (clean raid1), md1 (raid5 recovering) and md7 (no sysfs)."""
    (root / "proc").mkdir(parents=True, exist_ok=True)
    (root / "proc/mdstat").write_text(MDSTAT)
    for relative, text in SYSFS.items():
        path = root / "sys/block" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    return root


def test_arrays(tmp_path: Path) -> None:
    engine = engine_for(md_devices, root=md_root(tmp_path))
    rows = engine.query("select * from md_devices")
    assert engine.take_warnings() == ["md_devices: no /sys/block/md7/md: array skipped"]
    absent = dict.fromkeys(
        f"{action}_{part}"
        for action in ("recovery", "resync", "reshape", "check_array")
        for part in ("progress", "finish", "speed")
    )
    no_bitmap = dict.fromkeys(("bitmap_on_mem", "bitmap_chunk_size", "bitmap_external_file"))
    assert rows == [
        {**absent, "device_name": "md1", "status": "active", "raid_level": 5, "size": 2095104,
         "chunk_size": 524288, "raid_disks": 3, "nr_raid_disks": 4, "working_disks": 3,
         "active_disks": 2, "failed_disks": 1, "spare_disks": 1,
         "superblock_state": "bitmap_present", "superblock_version": "1.2",
         "superblock_update_time": None, "bitmap_on_mem": "1/1 pages [4KB]",
         "bitmap_chunk_size": "65536KB chunk", "bitmap_external_file": "",
         "recovery_progress": "15.2% (159232/1047552)", "recovery_finish": "0.9min",
         "recovery_speed": "15923K/sec", "unused_devices": "<none>",
         "other": "super 1.2 level 5, 512k chunk, algorithm 2"},
        {**absent, **no_bitmap, "device_name": "md0", "status": "active", "raid_level": 1,
         "size": 1046528, "chunk_size": 0, "raid_disks": 2, "nr_raid_disks": 2,
         "working_disks": 2, "active_disks": 2, "failed_disks": 0, "spare_disks": 0,
         "superblock_state": "clean", "superblock_version": "1.2",
         "superblock_update_time": None, "unused_devices": "<none>", "other": "super 1.2"},
    ]  # fmt: skip


def test_without_the_md_driver(tmp_path: Path) -> None:
    assert run_table(md_devices, root=tmp_path) == []


@pytest.mark.live
def test_live_arrays_match_proc_mdstat() -> None:
    mdstat = Path("/proc/mdstat")
    rows = run_table(md_devices, columns="device_name")
    if not mdstat.exists():
        assert rows == []
        pytest.skip("no md driver on this machine")
    names = [line.split()[0] for line in mdstat.read_text().splitlines() if line.startswith("md")]
    assert sorted(r["device_name"] for r in rows) == sorted(
        n for n in names if Path(f"/sys/block/{n}/md").exists()
    )
