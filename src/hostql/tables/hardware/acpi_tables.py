"""acpi_tables: each firmware ACPI table with its size and MD5."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "acpi_tables",
    "Firmware ACPI functional table common metadata and content.",
    platforms=(LINUX, MACOS),
    examples=("select * from acpi_tables", "select name, md5 from acpi_tables where name = 'DSDT'"),
    notes="The tables under /sys/firmware/acpi/tables are root-only: size -1 and no MD5 otherwise.",
    columns=[
        Column("name", TEXT, "ACPI table name"),
        Column("size", INTEGER, "Size of compiled table data"),
        Column("md5", TEXT, "MD5 hash of table content", collate="NOCASE"),
    ],
)
def acpi_tables(ctx: QueryContext) -> Iterator[Row]:
    """One row per table file; an unreadable table has size -1 and a NULL md5."""
    acpi = ctx.host.acpi
    wanted = ctx.equals("name")
    measure = ctx.uses_any(("size", "md5"))
    for name in acpi.table_names():
        if wanted is not None and name not in {str(v) for v in wanted}:
            continue
        if not measure:
            yield {"name": name}
            continue
        content = acpi.read(name)
        if content is None:
            yield {"name": name, "size": -1}
        else:
            yield {"name": name, "size": len(content), "md5": hashlib.md5(content).hexdigest()}
