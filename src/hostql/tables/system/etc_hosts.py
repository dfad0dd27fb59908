"""etc_hosts: the address to host names mappings of /etc/hosts."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "etc_hosts",
    "Line-parsed /etc/hosts.",
    platforms=(LINUX, MACOS, WINDOWS),
    aliases=("hosts",),
    cacheable=True,
    examples=("select * from etc_hosts where address = '127.0.0.1'",),
    columns=[
        Column("address", TEXT, "IP address mapping"),
        Column("hostnames", TEXT, "Raw hosts mapping"),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def etc_hosts(ctx: QueryContext) -> Iterator[Row]:
    """A row per mapping line of /etc/hosts."""
    text = ctx.host.sysinfo.read("/etc/hosts")
    if text is None:
        ctx.warn("Cannot read /etc/hosts")
        return
    yield from parse_hosts(text)


def parse_hosts(text: str) -> Iterator[Row]:
    """Rows of a hosts file: comment lines skipped, a trailing comment ends the names."""
    for line in text.split("\n"):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        row: Row = {"address": fields[0], "pid_with_namespace": 0}
        if len(fields) > 1:
            names = []
            for name in fields[1:]:
                if name.startswith("#"):
                    break
                names.append(name)
            row["hostnames"] = " ".join(names)
        yield row
