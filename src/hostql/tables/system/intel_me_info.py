"""intel_me_info: the Intel Management Engine firmware version."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "intel_me_info",
    "Intel ME/CSE Info.",
    platforms=(LINUX, WINDOWS),
    examples=("select version from intel_me_info",),
    notes="Asks the ME's update client for its firmware version through /dev/mei0 (the mei "
    "driver; needs root). No device, no driver or no answer: no rows.",
    columns=[
        Column("version", TEXT, "Intel ME version", collate="VERSION"),
    ],
)
def intel_me_info(ctx: QueryContext) -> Iterator[Row]:
    """One row with the firmware version when the ME answers."""
    version = ctx.host.intel_me.firmware_version()
    if version is not None:
        yield {"version": version}
