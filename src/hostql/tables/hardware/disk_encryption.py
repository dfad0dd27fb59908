"""disk_encryption: whether each block device is (or sits on) a dm-crypt mapping."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.devices import BlockDevice
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

ENCRYPTED = "encrypted"
NOT_ENCRYPTED = "not encrypted"


@table(
    "disk_encryption",
    "Disk encryption status and information.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from disk_encryption",
        "select name, type from disk_encryption where encrypted = 1",
    ),
    notes="The cipher in type comes from the LUKS header, readable by root only; "
    "without it type names the mapping kind alone (e.g. LUKS2).",
    columns=[
        Column("name", TEXT, "Disk name", index=True),
        Column("uuid", TEXT, "Disk Universally Unique Identifier", collate="NOCASE"),
        Column("encrypted", INTEGER, "1 If encrypted: true (disk is encrypted), else 0"),
        Column("type", TEXT, "Description of cipher type and mode if available"),
        Column(
            "encryption_status",
            TEXT,
            "Disk encryption status with one of following values: encrypted | not encrypted | "
            "undefined",
        ),
        Column("uid", TEXT, "", platforms=("macos",)),
        Column("user_uuid", TEXT, "", collate="NOCASE", platforms=("macos",)),
        Column("filevault_status", TEXT, "", platforms=("macos",)),
    ],
)
def disk_encryption(ctx: QueryContext) -> Iterator[Row]:
    """One row per block device, sorted by name; a device inherits its parent's status."""
    reader = ctx.host.devices
    devices = reader.block_devices()
    statuses: dict[str, Row] = {}

    def status(device: BlockDevice) -> Row:
        row = statuses.get(device.name)
        if row is not None:
            return row
        mapping = reader.crypt_mapping(device)
        if mapping is not None:
            row = {"encrypted": 1, "encryption_status": ENCRYPTED, "type": mapping.description}
        else:
            row = {"encrypted": 0, "encryption_status": NOT_ENCRYPTED, "type": ""}
            parent = devices.get(device.parent) if device.parent else None
            if parent is not None:
                row = dict(status(parent))
        statuses[device.name] = row
        return row

    wanted = ctx.equals("name")
    with_uuid = ctx.uses("uuid")
    for name in sorted(devices):
        if wanted is not None and name not in wanted:
            continue
        device = devices[name]
        yield {
            "name": name,
            "uuid": ctx.host.blkid.probe(name).uuid if with_uuid else None,
            **status(device),
        }
