"""process_open_sockets: the sockets of each network namespace and the processes holding them."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.procfs import Procfs
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "process_open_sockets",
    "Processes which have open network sockets on the system.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from process_open_sockets where pid = 1",),
    notes="Sockets come from /proc/<pid>/net/{icmp,tcp,udp,udplite,raw}[6], unix and packet "
    "for each network namespace of the scanned processes; pid and fd come from "
    "/proc/<pid>/fd. Without a pid constraint, sockets no process holds are listed with pid "
    "and fd -1. A socket shared by several processes is listed once, with the highest pid. "
    "state is the TCP state (empty for other protocols, NONE for packet sockets).",
    columns=[
        Column("pid", INTEGER, "Process (or thread) ID", additional=True),
        Column("fd", BIGINT, "Socket file descriptor number"),
        Column("socket", BIGINT, "Socket handle or inode number"),
        Column("family", INTEGER, "Network protocol (IPv4, IPv6)"),
        Column("protocol", INTEGER, "Transport protocol (TCP/UDP)"),
        Column("local_address", TEXT, "Socket local address"),
        Column("remote_address", TEXT, "Socket remote address"),
        Column("local_port", INTEGER, "Socket local port"),
        Column("remote_port", INTEGER, "Socket remote port"),
        Column("path", TEXT, "For UNIX sockets (family=AF_UNIX), the domain path"),
        Column("state", TEXT, "TCP socket state"),
        Column(
            "net_namespace",
            TEXT,
            "The inode number of the network namespace",
            platforms=("linux",),
        ),
    ],
)
def process_open_sockets(ctx: QueryContext) -> Iterator[Row]:
    """One row per socket; a pid constraint limits the scan to those processes' sockets."""
    procfs: Procfs = ctx.host.procfs
    for owned in procfs.open_sockets(ctx.equals("pid")):
        item = owned.socket
        yield {
            "pid": owned.pid,
            "fd": owned.fd,
            "socket": item.inode,
            "family": item.family,
            "protocol": item.protocol,
            "local_address": item.local_address,
            "remote_address": item.remote_address,
            "local_port": item.local_port,
            "remote_port": item.remote_port,
            "path": item.path,
            "state": item.state,
            "net_namespace": str(owned.net_namespace),
        }
