"""hostql.host.mdstat: /proc/mdstat parsing (osquery's rules) and sysfs array state."""

from __future__ import annotations

from pathlib import Path

from hostql.host import Host
from hostql.host.mdstat import MdAction, Mdstat, parse_mdstat

MDSTAT = """\
Personalities : [raid1] [raid6] [raid5] [raid4] []
md1 : active raid5 sdd1[3] sdc1[1] sdb1[0]
      2095104 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]
      [===>.................]  recovery = 15.2% (159232/1047552) finish=0.9min speed=15923K/sec
      bitmap: 1/1 pages [4KB], 65536KB chunk, file: /var/md1.bitmap

md0 : active raid1 sdb2[1] sda2[0]
      1046528 blocks super 1.2 [2/2] [UU]
      resync=DELAYED

md2 : active raid0 sdf1[1] sde1[0]
      2093056 blocks super 1.2 512k chunks

md3 : active raid6 sdg1[0]
      10 blocks [1/1] [U]
      [>....................]  reshape = 1.0% (1/100) finish=9.9min speed=1K/sec
      [>....................]  check = 2.0% (2/100) finish=8.8min speed=2K/sec
a line nobody expects
unused devices: <none>
"""


def test_parse_mdstat_devices_and_activities() -> None:
    stat = parse_mdstat(MDSTAT)
    assert stat.personalities == ["raid1", "raid6", "raid5", "raid4"]
    assert stat.unused == "<none>"
    md1, md0, md2, md3 = stat.devices
    assert (md1.name, md1.status, md1.raid_level, md1.usable_size) == (
        "md1",
        "active",
        "raid5",
        2095104,
    )
    assert md1.other == "super 1.2 level 5, 512k chunk, algorithm 2"
    assert (md1.healthy_drives, md1.drive_statuses) == ("[3/2]", "[UU_]")
    assert md1.recovery == MdAction("15.2% (159232/1047552)", "0.9min", "15923K/sec")
    assert (md1.bitmap_on_mem, md1.bitmap_chunk_size) == ("1/1 pages [4KB]", "65536KB chunk")
    assert md1.bitmap_external_file == "/var/md1.bitmap"
    assert md0.resync == MdAction("DELAYED", "", "")
    assert md0.other == "super 1.2"
    # osquery's quirk: a raid0 line has no drive summaries, so its last words stand in.
    assert (md2.other, md2.healthy_drives, md2.drive_statuses) == ("super 1.2", "512k", "chunks")
    assert md3.reshape.progress == "1.0% (1/100)" and md3.check_array.speed == "2K/sec"


def test_parse_mdstat_damaged_input() -> None:
    assert parse_mdstat("").devices == []
    stat = parse_mdstat("md9 : active raid1 sda1[0]\n")  # last line: no config line
    assert [d.name for d in stat.devices] == ["md9"]
    stat = parse_mdstat("Personalities : [raid1]\nmd5 no colon here\nmd6 : active\n  x\n")
    assert [(d.name, d.status, d.usable_size) for d in stat.devices] == [("md6", "", 0)]
    action = parse_mdstat("md7 : active raid1 a[0]\n1 blocks [1/1] [U]\nrecovery = 1% (1/2) odd\n")
    assert action.devices[0].recovery == MdAction()


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_array_state_from_sysfs(tmp_path: Path) -> None:
    base = "sys/block/md1/md"
    for name, text in {
        "level": "raid5\n", "raid_disks": "3\n", "chunk_size": "524288\n",
        "array_state": "clean\n", "metadata_version": "1.2\n", "bitmap/location": "+8\n",
        "dev-sdb1/state": "in_sync\n", "dev-sdb1/slot": "0\n",
        "dev-sde1/state": "faulty,write_mostly\n", "dev-sde1/slot": "none\n",
    }.items():  # fmt: skip
        write(tmp_path, f"{base}/{name}", text)
    reader = Mdstat(Host(tmp_path))
    array = reader.array("md1")
    assert array is not None
    assert (array.level, array.chunk_size, array.raid_disks) == (5, 524288, 3)
    assert array.in_sync and array.bitmap and array.metadata == "1.2"
    assert array.update_time is None  # no /dev/md1 block device under the fixture root
    assert [(m.name, m.slot, sorted(m.flags), m.device) for m in array.members] == [
        ("sdb1", 0, ["in_sync"], "/dev/sdb1"),
        ("sde1", -1, ["faulty", "write_mostly"], "/dev/sde1"),
    ]
    write(tmp_path, "sys/block/md2/md/level", "container\n")
    container = reader.array("md2")
    assert container is not None and container.level == -1_000_000 and not container.in_sync
    assert reader.array("md9") is None
    assert reader.mdstat().devices == []
