"""platform_info: the BIOS Information (SMBIOS type 0) structure and the firmware kind."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.smbios import TYPE_BIOS
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# osquery reads up to the BIOS minor release byte at 0x15 of structures this long.
_MIN_SIZE = 0x15


@table(
    "platform_info",
    "Information about EFI/UEFI/ROM and platform/boot.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from platform_info",),
    notes="Reads /sys/firmware/dmi/tables/DMI, which only root may read: no rows otherwise.",
    columns=[
        Column("vendor", TEXT, "Platform code vendor"),
        Column("version", TEXT, "Platform code version", collate="VERSION"),
        Column("date", TEXT, "Self-reported platform code update date"),
        Column("revision", TEXT, "BIOS major and minor revision"),
        Column("extra", TEXT, "Platform-specific additional information"),
        Column(
            "firmware_type",
            TEXT,
            "The type of firmware (uefi, bios, iboot, openfirmware, unknown).",
        ),
        Column(
            "address",
            TEXT,
            "Relative address of firmware mapping",
            platforms=("linux", "macos"),
        ),
        Column("size", TEXT, "Size in bytes of firmware", platforms=("linux", "macos")),
        Column(
            "volume_size",
            INTEGER,
            "(Optional) size of firmware volume",
            platforms=("linux", "macos"),
        ),
    ],
)
def platform_info(ctx: QueryContext) -> Iterator[Row]:
    """One row per BIOS Information structure (normally exactly one)."""
    firmware_type = "uefi" if ctx.host.efi.booted_with_efi() else "bios"
    for s in ctx.host.smbios.structures(TYPE_BIOS):
        if s.size < _MIN_SIZE:
            continue
        yield {
            "vendor": s.string(s.byte(0x04)),
            "version": s.string(s.byte(0x05)),
            "date": s.string(s.byte(0x08)),
            "revision": f"{s.byte(0x14)}.{s.byte(0x15)}",
            "extra": "",
            "firmware_type": firmware_type,
            "address": f"0x{s.word(0x06):04x}",
            # The ROM size byte counts 64 KiB blocks, less one.
            "size": str(((s.byte(0x09) + 1) << 6) * 1024),
            "volume_size": 0,
        }
