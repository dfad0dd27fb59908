"""/proc/net socket tables: tcp, udp, udplite, raw, icmp (and their 6s), unix and packet."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from typing import NamedTuple

# Linux numbering, fixed by the kernel ABI whatever the platform running the tests.
AF_UNIX, AF_INET, AF_INET6, AF_PACKET = 1, 2, 10, 17
# osquery's order: (family, protocol, /proc/<pid>/net file) for every socket kind it reads.
SOCKET_FILES: tuple[tuple[int, int, str], ...] = (
    (AF_INET, 1, "icmp"), (AF_INET6, 1, "icmp6"),
    (AF_INET, 6, "tcp"), (AF_INET6, 6, "tcp6"),
    (AF_INET, 17, "udp"), (AF_INET6, 17, "udp6"),
    (AF_INET, 136, "udplite"), (AF_INET6, 136, "udplite6"),
    (AF_INET, 255, "raw"), (AF_INET6, 255, "raw6"),
    (AF_UNIX, 0, "unix"), (AF_PACKET, 0, "packet"),
)  # fmt: skip
TCP_STATES = (
    "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
    "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
)  # fmt: skip


class Socket(NamedTuple):
    """One socket of a network namespace, from a /proc/<pid>/net table."""

    inode: int
    family: int
    protocol: int
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    path: str
    state: str


def decode_address(encoded: str, family: int) -> str:
    """An address of /proc/net/{tcp,udp,...}[6]: 32-bit words in host byte order, in hex."""
    try:
        if family == AF_INET and len(encoded) == 8:
            return socket.inet_ntop(socket.AF_INET, int(encoded, 16).to_bytes(4, sys.byteorder))
        if family == AF_INET6 and len(encoded) == 32:
            packed = b"".join(
                int(encoded[i : i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, 32, 8)
            )
            return socket.inet_ntop(socket.AF_INET6, packed)
    except ValueError:
        pass
    return ""


def _port(encoded: str) -> int:
    try:
        return int(encoded, 16) if len(encoded) == 4 else 0
    except ValueError:
        return 0


def _body(text: str, *headers: str) -> list[str]:
    """The lines after a /proc/net table's header; none if the header is not a known one."""
    lines = text.splitlines()
    return lines[1:] if lines and lines[0].lstrip().startswith(headers) else []


def parse_inet_sockets(text: str, family: int, protocol: int) -> Iterator[Socket]:
    """Sockets of a /proc/net/{tcp,udp,udplite,raw,icmp}[6] table; malformed lines are skipped."""
    for line in _body(text, "sl", "sk"):
        fields = line.split()
        if len(fields) < 10 or not fields[9].isdigit():
            continue
        local_address, _, local_port = fields[1].partition(":")
        remote_address, _, remote_port = fields[2].partition(":")
        if not local_port or not remote_port:
            continue
        state = ""
        if protocol == 6:
            try:
                number = int(fields[3], 16)
            except ValueError:
                number = 0
            state = TCP_STATES[number] if 0 < number < len(TCP_STATES) else "UNKNOWN"
        yield Socket(
            int(fields[9]), family, protocol, decode_address(local_address, family),
            _port(local_port), decode_address(remote_address, family), _port(remote_port), "",
            state,
        )  # fmt: skip


def parse_unix_sockets(text: str) -> Iterator[Socket]:
    """Sockets of /proc/net/unix; the path (field 8) is kept whole, spaces included."""
    for line in _body(text, "Num"):
        fields = line.split(None, 7)
        if len(fields) < 7 or not fields[6].isdigit():
            continue
        protocol = int(fields[2]) if fields[2].isdigit() else 0
        path = fields[7].strip() if len(fields) == 8 else ""
        yield Socket(int(fields[6]), AF_UNIX, protocol, "", 0, "", 0, path, "")


def parse_packet_sockets(text: str) -> Iterator[Socket]:
    """Sockets of /proc/net/packet (protocol is the ethertype; state is always NONE)."""
    for line in _body(text, "sl", "sk"):
        fields = line.split()
        if len(fields) < 9 or not fields[8].isdigit():
            continue
        yield Socket(int(fields[8]), AF_PACKET, _port(fields[3]), "", 0, "", 0, "", "NONE")
