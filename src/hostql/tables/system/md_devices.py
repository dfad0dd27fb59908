"""md_devices: the software RAID (md) arrays and their state."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.mdstat import MdAction, MdArray
from hostql.schema import BIGINT, INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_ACTIONS = ("recovery", "resync", "reshape", "check_array")


def superblock_state(array: MdArray) -> str:
    """The superblock state words of GET_ARRAY_INFO's state bits ('unknown' for none)."""
    words = []
    if array.in_sync:
        words.append("clean")
    if array.bitmap:
        words.append("bitmap_present")
    return " ".join(words) or "unknown"


def disk_counts(array: MdArray) -> dict[str, int]:
    """Member counts as the kernel's GET_ARRAY_INFO computes them."""
    working = active = failed = spare = 0
    for member in array.members:
        if "faulty" in member.flags:
            failed += 1
            continue
        working += 1
        if "in_sync" in member.flags:
            active += 1
        elif "journal" not in member.flags:
            spare += 1
    return {
        "nr_raid_disks": len(array.members),
        "working_disks": working,
        "active_disks": active,
        "failed_disks": failed,
        "spare_disks": spare,
    }


@table(
    "md_devices",
    "Software RAID array settings.",
    platforms=(LINUX,),
    examples=("select * from md_devices", "select device_name, status from md_devices"),
    notes="Combines /proc/mdstat with the array state in /sys/block/<md>/md (what osquery "
    "asks GET_ARRAY_INFO for); superblock_update_time needs root and the array's /dev node. "
    "Empty without the md driver.",
    columns=[
        Column("device_name", TEXT, "md device name"),
        Column("status", TEXT, "Current state of the array"),
        Column("raid_level", INTEGER, "Current raid level of the array"),
        Column("size", BIGINT, "size of the array in blocks"),
        Column("chunk_size", BIGINT, "chunk size in bytes"),
        Column("raid_disks", INTEGER, "Number of configured RAID disks in array"),
        Column(
            "nr_raid_disks",
            INTEGER,
            "Number of partitions or disk devices to comprise the array",
        ),
        Column("working_disks", INTEGER, "Number of working disks in array"),
        Column("active_disks", INTEGER, "Number of active disks in array"),
        Column("failed_disks", INTEGER, "Number of failed disks in array"),
        Column("spare_disks", INTEGER, "Number of idle disks in array"),
        Column("superblock_state", TEXT, "State of the superblock"),
        Column("superblock_version", TEXT, "Version of the superblock"),
        Column("superblock_update_time", BIGINT, "Unix timestamp of last update"),
        Column("bitmap_on_mem", TEXT, "Pages allocated in in-memory bitmap, if enabled"),
        Column("bitmap_chunk_size", TEXT, "Bitmap chunk size"),
        Column("bitmap_external_file", TEXT, "External referenced bitmap file"),
        Column("recovery_progress", TEXT, "Progress of the recovery activity"),
        Column("recovery_finish", TEXT, "Estimated duration of recovery activity"),
        Column("recovery_speed", TEXT, "Speed of recovery activity"),
        Column("resync_progress", TEXT, "Progress of the resync activity"),
        Column("resync_finish", TEXT, "Estimated duration of resync activity"),
        Column("resync_speed", TEXT, "Speed of resync activity"),
        Column("reshape_progress", TEXT, "Progress of the reshape activity"),
        Column("reshape_finish", TEXT, "Estimated duration of reshape activity"),
        Column("reshape_speed", TEXT, "Speed of reshape activity"),
        Column("check_array_progress", TEXT, "Progress of the check array activity"),
        Column("check_array_finish", TEXT, "Estimated duration of the check array activity"),
        Column("check_array_speed", TEXT, "Speed of the check array activity"),
        Column("unused_devices", TEXT, "Unused devices"),
        Column("other", TEXT, "Other information associated with array from /proc/mdstat"),
    ],
)
def md_devices(ctx: QueryContext) -> Iterator[Row]:
    """One row per array of /proc/mdstat that sysfs knows."""
    reader = ctx.host.mdstat
    stat = reader.mdstat()
    for device in stat.devices:
        array = reader.array(device.name)
        if array is None:
            ctx.warn(f"md_devices: no /sys/block/{device.name}/md: array skipped")
            continue
        row: Row = {
            "device_name": device.name,
            "status": device.status,
            "raid_level": array.level,
            "size": device.usable_size,
            "chunk_size": array.chunk_size,
            "raid_disks": array.raid_disks,
            **disk_counts(array),
            "superblock_state": superblock_state(array),
            "superblock_version": array.metadata,
            "superblock_update_time": array.update_time,
            "other": device.other,
            "unused_devices": stat.unused,
        }
        for name in _ACTIONS:
            action: MdAction = getattr(device, name)
            # Columns of an activity that is not running stay NULL.
            if action.progress:
                row[f"{name}_progress"] = action.progress
                row[f"{name}_finish"] = action.finish
                row[f"{name}_speed"] = action.speed
        if device.bitmap_on_mem:
            row["bitmap_on_mem"] = device.bitmap_on_mem
            row["bitmap_chunk_size"] = device.bitmap_chunk_size
            row["bitmap_external_file"] = device.bitmap_external_file
        yield row
