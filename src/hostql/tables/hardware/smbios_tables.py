"""smbios_tables: every SMBIOS structure with its type, handle, sizes and MD5."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

TYPE_DESCRIPTIONS: dict[int, str] = {
    0: "BIOS Information",
    1: "System Information",
    2: "Base Board or Module Information",
    3: "System Enclosure or Chassis",
    4: "Processor Information",
    5: "Memory Controller Information",
    6: "Memory Module Information",
    7: "Cache Information",
    8: "Port Connector Information",
    9: "System Slots",
    10: "On Board Devices Information",
    11: "OEM Strings",
    12: "System Configuration Options",
    13: "BIOS Language Information",
    14: "Group Associations",
    15: "System Event Log",
    16: "Physical Memory Array",
    17: "Memory Device",
    18: "32-bit Memory Error Information",
    19: "Memory Array Mapped Address",
    20: "Memory Device Mapped Address",
    21: "Built-in Pointing Device",
    22: "Portable Battery",
    23: "System Reset",
    24: "Hardware Security",
    25: "System Power Controls",
    26: "Voltage Probe",
    27: "Cooling Device",
    28: "Temperature Probe",
    29: "Electrical Current Probe",
    30: "Out-of-Band Remote Access",
    31: "Boot Integrity Services",
    32: "System Boot Information",
    33: "64-bit Memory Error Information",
    34: "Management Device",
    35: "Management Device Component",
    36: "Management Device Threshold Data",
    37: "Memory Channel",
    38: "IPMI Device Information",
    39: "System Power Supply",
    40: "Additional Information",
    41: "Onboard Devices Extended Info",
    126: "Inactive",
    127: "End-of-Table",
    130: "Memory SPD Data",
    131: "OEM Processor Type",
    132: "OEM Processor Bus Speed",
}


@table(
    "smbios_tables",
    "BIOS (DMI) structure common details and content.",
    platforms=(LINUX, MACOS),
    examples=("select * from smbios_tables", "select * from smbios_tables where type = 17"),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column("number", INTEGER, "Table entry number"),
        Column("type", INTEGER, "Table entry type"),
        Column("description", TEXT, "Table entry description"),
        Column("handle", INTEGER, "Table entry handle"),
        Column("header_size", INTEGER, "Header size in bytes"),
        Column("size", INTEGER, "Table entry size in bytes"),
        Column("md5", TEXT, "MD5 hash of table entry", collate="NOCASE"),
    ],
)
def smbios_tables(ctx: QueryContext) -> Iterator[Row]:
    """One row per structure of the DMI table, in table order."""
    with_md5 = ctx.uses("md5")
    for structure in ctx.host.smbios.structures():
        yield {
            "number": structure.index,
            "type": structure.type,
            "description": TYPE_DESCRIPTIONS.get(structure.type, "Unknown"),
            "handle": structure.handle,
            "header_size": structure.length,
            "size": structure.size,
            "md5": hashlib.md5(structure.raw).hexdigest() if with_md5 else None,
        }
