"""md_drives: members of each array from sysfs, with osquery's slot filling."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_md_devices import md_root

from hostql.host.mdstat import MdArray, MdMember
from hostql.tables.system.md_drives import drive_rows, drive_state, md_drives
from hostql.testing import run_table


def test_drive_state_words() -> None:
    assert drive_state(frozenset({"in_sync", "write_mostly"})) == "active sync writemostly"
    assert drive_state(frozenset({"faulty", "in_sync", "failfast"})) == "faulty failfast"
    assert drive_state(frozenset({"spare"})) == "recovering"
    assert drive_state(frozenset({"journal", "in_sync"})) == "active sync journal"


def test_fixture_arrays(tmp_path: Path) -> None:
    rows = run_table(md_drives, root=md_root(tmp_path))
    assert rows == [
        {"md_device_name": "md1", "drive_name": "/dev/sdb1", "slot": 0, "state": "active sync"},
        {"md_device_name": "md1", "drive_name": "/dev/sdc1", "slot": 1, "state": "active sync"},
        {"md_device_name": "md1", "drive_name": "/dev/sdd1", "slot": 2, "state": "recovering"},
        {"md_device_name": "md1", "drive_name": "/dev/sde1", "slot": None, "state": "faulty"},
        {"md_device_name": "md0", "drive_name": "/dev/sda2", "slot": 0, "state": "active sync"},
        {"md_device_name": "md0", "drive_name": "/dev/sdb2", "slot": 1, "state": "active sync"},
    ]
    assert run_table(md_drives, "md_device_name = 'md0'", root=tmp_path, columns="drive_name") == [
        {"drive_name": "/dev/sda2"},
        {"drive_name": "/dev/sdb2"},
    ]


def test_empty_slots_are_filled_as_osquery_does() -> None:
    array = MdArray(
        level=1, chunk_size=0, raid_disks=4, in_sync=False, bitmap=False, metadata="1.2",
        update_time=None,
        members=[
            MdMember("sdc1", 2, frozenset({"in_sync"}), "/dev/sdc1"),
            MdMember("sdz1", -1, frozenset({"faulty"}), "/dev/sdz1"),
        ],
    )  # fmt: skip
    assert drive_rows("md3", array) == [
        {"md_device_name": "md3", "drive_name": "/dev/sdc1", "slot": 2, "state": "active sync"},
        # An out-of-array drive takes the first empty slot; the rest are 'unknown' removed.
        {"md_device_name": "md3", "drive_name": "/dev/sdz1", "slot": 0, "state": "faulty"},
        {"md_device_name": "md3", "drive_name": "unknown", "slot": 1, "state": "removed"},
        {"md_device_name": "md3", "drive_name": "unknown", "slot": 3, "state": "removed"},
    ]


@pytest.mark.live
def test_live_members_match_sysfs() -> None:
    rows = run_table(md_drives)
    if not Path("/proc/mdstat").exists():
        assert rows == []
        pytest.skip("no md driver on this machine")
    members = {
        (dev.parent.parent.name, "/dev/" + dev.name[4:])
        for dev in Path("/sys/block").glob("md*/md/dev-*")
    }
    assert {(r["md_device_name"], r["drive_name"]) for r in rows} >= members
