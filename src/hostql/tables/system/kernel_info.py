"""kernel_info: the running kernel's version, boot arguments, image path and root device."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "kernel_info",
    "Basic active kernel information.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select version, arguments, path, device from kernel_info",),
    columns=[
        Column("version", TEXT, "Kernel version", collate="VERSION"),
        Column("arguments", TEXT, "Kernel arguments"),
        Column("path", TEXT, "Kernel path"),
        Column("device", TEXT, "Kernel device identifier"),
    ],
)
def kernel_info(ctx: QueryContext) -> Iterator[Row]:
    """One row from /proc/cmdline and /proc/version."""
    sysinfo = ctx.host.sysinfo
    row: Row = {}
    cmdline = sysinfo.kernel_cmdline()
    if cmdline is not None:
        row.update(parse_cmdline(cmdline))
    row["version"] = kernel_version(sysinfo.kernel_signature()) or sysinfo.kernel_release()
    yield row


def parse_cmdline(cmdline: str) -> Row:
    """BOOT_IMAGE= is the path, root= the device; the other arguments stay, space-joined."""
    row: Row = {}
    arguments = []
    for argument in cmdline.split():
        if argument.startswith("BOOT_IMAGE="):
            row["path"] = argument[len("BOOT_IMAGE=") :]
        elif argument.startswith("root="):
            row["device"] = argument[len("root=") :]
        else:
            arguments.append(argument)
    row["arguments"] = " ".join(arguments)
    return row


def kernel_version(signature: str | None) -> str | None:
    """The release from /proc/version ('Linux version <release> ...')."""
    if signature is None:
        return None
    details = signature.split()
    if len(details) > 2 and details[1] == "version":
        return details[2]
    return None
