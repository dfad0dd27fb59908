"""secureboot: the SecureBoot and SetupMode UEFI global variables."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.efi import ATTRIBUTES_SIZE
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

_VARIABLES = (("secure_boot", "SecureBoot"), ("setup_mode", "SetupMode"))


@table(
    "secureboot",
    "Secure Boot UEFI Settings.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from secureboot",),
    notes="No rows on hosts that did not boot through UEFI (no /sys/firmware/efi).",
    columns=[
        Column("secure_boot", INTEGER, "Whether secure boot is enabled"),
        Column("secure_mode", INTEGER, "", platforms=("macos",)),
        Column("description", TEXT, "", platforms=("macos",)),
        Column("kernel_extensions", INTEGER, "", platforms=("macos",)),
        Column("mdm_operations", INTEGER, "", platforms=("macos",)),
        Column(
            "setup_mode",
            INTEGER,
            "Whether setup mode is enabled",
            platforms=("linux", "windows"),
        ),
    ],
)
def secureboot(ctx: QueryContext) -> Iterator[Row]:
    """One row on UEFI hosts: each variable's data byte as 0/1, -1 if it holds anything else."""
    efi = ctx.host.efi
    if not efi.booted_with_efi():
        return
    row: Row = {}
    for column, name in _VARIABLES:
        try:
            content = efi.variable(name, limit=ATTRIBUTES_SIZE + 1)
        except (FileNotFoundError, PermissionError):
            continue  # efivarfs not mounted, or the firmware lacks the variable
        if len(content) != ATTRIBUTES_SIZE + 1:
            ctx.warn(f"Under read on efivar file : {name}")
            continue
        value = content[ATTRIBUTES_SIZE]
        row[column] = value if value in (0, 1) else -1
    yield row
