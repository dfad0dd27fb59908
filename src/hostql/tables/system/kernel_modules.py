"""kernel_modules: the loaded kernel modules of /proc/modules."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "kernel_modules",
    "Linux kernel modules both loaded and within the load search path.",
    platforms=(LINUX,),
    examples=("select * from kernel_modules", "select name, used_by from kernel_modules"),
    notes="Only loaded modules (/proc/modules), as in osquery; none on kernels built without "
    "module support. Addresses read as zero unless run as root.",
    columns=[
        Column("name", TEXT, "Module name"),
        Column("size", BIGINT, "Size of module content"),
        Column("used_by", TEXT, "Module reverse dependencies"),
        Column("status", TEXT, "Kernel module status"),
        Column("address", TEXT, "Kernel module address"),
    ],
)
def kernel_modules(ctx: QueryContext) -> Iterator[Row]:
    """One row per well-formed line: `name size refcount users state address [taints]`."""
    try:
        text = ctx.host.kernel.modules_text()
    except (FileNotFoundError, PermissionError):
        return
    for line in text.split("\n"):
        details = line.split()
        if len(details) < 6:
            if line.strip():
                ctx.warn(f"kernel_modules: skipped a malformed /proc/modules line: {line!r}")
            continue
        size = details[1]
        yield {
            "name": details[0].removesuffix(","),
            "size": int(size) if size.isdigit() else None,
            "used_by": details[3].removesuffix(","),
            "status": details[4].removesuffix(","),
            "address": details[5].removesuffix(","),
        }
