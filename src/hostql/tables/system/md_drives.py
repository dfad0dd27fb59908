"""md_drives: the member drives of each software RAID (md) array."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.mdstat import MdArray
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


def drive_state(flags: frozenset[str]) -> str:
    """The state words of GET_DISK_INFO, in osquery's bit order; 'recovering' for none."""
    words = []
    if "faulty" in flags:
        words.append("faulty")
    elif "in_sync" in flags:
        words += ["active", "sync"]
    if "write_mostly" in flags:
        words.append("writemostly")
    if "failfast" in flags:
        words.append("failfast")
    if "journal" in flags:
        words.append("journal")
    return " ".join(words) or "recovering"


def drive_rows(name: str, array: MdArray) -> list[Row]:
    """osquery's rows for one array: members in slot order, then a row per empty slot."""
    raid_disks = array.raid_disks or 0
    members = sorted(array.members, key=lambda m: (m.slot < 0, m.slot, m.name))
    missing = [slot for slot in range(raid_disks) if slot not in {m.slot for m in members}]
    rows: list[Row] = []
    unplaced: list[Row] = []
    for member in members:
        row: Row = {
            "md_device_name": name,
            "drive_name": member.device,
            "slot": member.slot if member.slot >= 0 else None,
            "state": drive_state(member.flags),
        }
        if member.slot < 0:
            unplaced.append(row)
        rows.append(row)
    # Drives out of the array (spare, faulty) take the empty slots in turn, as in osquery;
    # slots still empty get an 'unknown' removed drive.
    for slot in missing:
        if unplaced:
            unplaced.pop(0)["slot"] = slot
        else:
            rows.append(
                {"md_device_name": name, "drive_name": "unknown", "slot": slot, "state": "removed"}
            )
    return rows


@table(
    "md_drives",
    "Drive devices used for Software RAID.",
    platforms=(LINUX,),
    examples=("select * from md_drives", "select * from md_drives where md_device_name = 'md0'"),
    notes="Members from /sys/block/<md>/md/dev-* (what osquery asks GET_DISK_INFO for). "
    "Empty without the md driver.",
    columns=[
        Column("md_device_name", TEXT, "md device name"),
        Column("drive_name", TEXT, "Drive device name"),
        Column("slot", INTEGER, "Slot position of disk"),
        Column("state", TEXT, "State of the drive"),
    ],
)
def md_drives(ctx: QueryContext) -> Iterator[Row]:
    """One row per member drive (and per empty slot) of each array of /proc/mdstat."""
    reader = ctx.host.mdstat
    wanted = ctx.equals("md_device_name")
    for device in reader.mdstat().devices:
        if wanted is not None and device.name not in wanted:
            continue
        array = reader.array(device.name)
        if array is None:
            ctx.warn(f"md_drives: no /sys/block/{device.name}/md: array skipped")
            continue
        yield from drive_rows(device.name, array)
