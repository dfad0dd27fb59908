"""oem_strings: the free-form strings of SMBIOS type 11 (OEM Strings) structures."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.smbios import TYPE_OEM_STRINGS
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_MIN_SIZE = 0x04 + 1


@table(
    "oem_strings",
    "OEM defined strings retrieved from SMBIOS.",
    platforms=(LINUX, MACOS),
    examples=("select * from oem_strings",),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column("handle", TEXT, "Handle, or instance number, associated with the Type 11 structure"),
        Column("number", INTEGER, "The string index of the structure"),
        Column("value", TEXT, "The value of the OEM string"),
    ],
)
def oem_strings(ctx: QueryContext) -> Iterator[Row]:
    """One row per string each OEM Strings structure declares (its count byte)."""
    for s in ctx.host.smbios.structures(TYPE_OEM_STRINGS):
        if s.size < _MIN_SIZE:
            continue
        handle = f"0x{s.word(0x02):04x}"
        for number in range(1, s.byte(0x04) + 1):
            yield {"handle": handle, "number": number, "value": s.string(number)}
