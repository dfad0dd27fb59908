"""listening_ports: the bound sockets among process_open_sockets (listening TCP, bound UDP, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.proc_net import AF_INET, AF_INET6, AF_UNIX
from hostql.host.procfs import Procfs
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "listening_ports",
    "Processes with listening (bound) network sockets/ports.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=(
        "select pid, port, address from listening_ports where protocol = 6 and family = 2",
        "select p.name, l.port, l.address from listening_ports l join processes p using (pid) "
        "where l.protocol = 6",
    ),
    notes="osquery's rule over process_open_sockets: IPv4/IPv6 sockets with no remote port "
    "(listening TCP, unconnected UDP, raw and ICMP), UNIX sockets bound to a path (port 0, "
    "socket 0, address NULL) and packet sockets.",
    columns=[
        Column("pid", INTEGER, "Process (or thread) ID"),
        Column("port", INTEGER, "Transport layer port"),
        Column("protocol", INTEGER, "Transport protocol (TCP/UDP)"),
        Column("family", INTEGER, "Network protocol (IPv4, IPv6)"),
        Column("address", TEXT, "Specific address for bind"),
        Column("fd", BIGINT, "Socket file descriptor number"),
        Column("socket", BIGINT, "Socket handle or inode number"),
        Column("path", TEXT, "Path for UNIX domain sockets"),
        Column(
            "net_namespace",
            TEXT,
            "The inode number of the network namespace",
            platforms=("linux",),
        ),
    ],
)
def listening_ports(ctx: QueryContext) -> Iterator[Row]:
    """One row per bound socket; a pid constraint limits the scan as in process_open_sockets."""
    procfs: Procfs = ctx.host.procfs
    for owned in procfs.open_sockets(ctx.equals("pid")):
        item = owned.socket
        row: Row = {
            "pid": owned.pid,
            "protocol": item.protocol,
            "family": item.family,
            "fd": owned.fd,
            "net_namespace": str(owned.net_namespace),
        }
        if item.family == AF_UNIX:
            if not item.path:
                continue  # an anonymous (unbound) UNIX socket listens on nothing
            row.update(port=0, path=item.path, socket=0)
        else:
            if item.family in (AF_INET, AF_INET6) and item.remote_port != 0:
                continue  # connected: a listening or bound-only socket has no peer port
            row.update(port=item.local_port, address=item.local_address, socket=item.inode)
        yield row
