"""Legacy iptables (x_tables) rule sets, read from the kernel as libiptc reads them.

For each name in /proc/net/ip_tables_names the table blob comes from getsockopt
IPT_SO_GET_INFO and IPT_SO_GET_ENTRIES on a raw socket (root needed); chains are rebuilt from
the hook entry points and ERROR entries exactly as libiptc's parser does. Rules that
iptables-nft keeps in nf_tables are not visible here, as they are not to osquery.
"""

from __future__ import annotations

import ctypes
import errno
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.host import Host

TABLE_NAMES = "/proc/net/ip_tables_names"
SOL_IP = 0
IPT_SO_GET_INFO = 64
IPT_SO_GET_ENTRIES = 65
HOOK_NAMES = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
# struct ipt_getinfo: name[32], valid_hooks, hook_entry[5], underflow[5], num_entries, size.
GETINFO = struct.Struct("<32sI5I5III")
# struct ipt_get_entries header: name[32], size, then the 8-aligned entry table.
GET_ENTRIES_HEADER = 40
# struct ipt_entry: ipt_ip (addresses, interfaces, masks, proto, flags, invflags), nfcache,
# target_offset, next_offset, comefrom, counters; 112 bytes before the matches.
ENTRY = struct.Struct("<4s4s4s4s16s16s16s16sHBBIHHIQQ")
ENTRY_SIZE = 112
# xt_entry_match / xt_entry_target user header: size, name[29], revision.
XT_HEADER = struct.Struct("<H29sB")
XT_HEADER_SIZE = 32
PORTS = struct.Struct("<4H")
VERDICT = struct.Struct("<i")
# Standard verdicts (negative: -NF_x - 1) as libiptc names them.
_VERDICTS = {-2: "ACCEPT", -1: "DROP", -4: "QUEUE", -5: "RETURN"}
IPPROTO_TCP, IPPROTO_UDP = 6, 17
_RETRIES = 5

Fetch = Callable[[str], "tuple[bytes, bytes] | None"]


@dataclass(slots=True)
class Rule:
    """One rule: the fields osquery reports."""

    target: str
    proto: int
    invflags: int
    src: bytes
    dst: bytes
    smsk: bytes
    dmsk: bytes
    iniface: bytes
    outiface: bytes
    iniface_mask: bytes
    outiface_mask: bytes
    ports: tuple[int, int, int, int] | None
    counters: tuple[int, int]


@dataclass(slots=True)
class Chain:
    """One chain: built-in chains carry a policy and its counters."""

    name: str
    builtin: bool
    policy: str | None = None
    packets: int = 0
    bytes: int = 0
    rules: list[Rule] = field(default_factory=list)
    head: int = 0
    foot: int = 0


@dataclass(slots=True)
class _Raw:
    """An entry as parsed, with what libiptc classifies it by."""

    offset: int
    fields: tuple[Any, ...]
    target_name: str
    verdict: int | None
    error_name: str
    ports: tuple[int, int, int, int]
    next_offset: int


class Netfilter:
    """Reader of the host's legacy iptables tables."""

    def __init__(self, host: Host) -> None:
        self.host = host
        # Replaceable source of (getinfo, entries) blobs; None when a table cannot be read.
        self.fetch: Fetch = _kernel_snapshot if host.live else _no_snapshot

    def table_names(self) -> list[str]:
        """The loaded tables, in the order the kernel lists them."""
        try:
            text = self.host.path(TABLE_NAMES).read_text()
        except OSError:
            return []
        return [line.strip() for line in text.split("\n") if line.strip()]

    def chains(self, table: str) -> list[Chain]:
        """The chains of a table in libiptc order, or [] when it cannot be read."""
        snapshot = self.fetch(table)
        if snapshot is None:
            return []
        return parse_table(*snapshot)


def parse_table(info: bytes, entries: bytes) -> list[Chain]:
    """Rebuild chains from IPT_SO_GET_INFO and IPT_SO_GET_ENTRIES results as libiptc does."""
    _, valid_hooks, *rest = GETINFO.unpack_from(info)
    hook_entry = rest[:5]
    size = struct.unpack_from("<I", entries, 32)[0]
    table = entries[GET_ENTRIES_HEADER : GET_ENTRIES_HEADER + size]
    hooks = {hook_entry[h]: h for h in range(5) if valid_hooks & (1 << h)}
    chains: list[Chain] = []
    current: Chain | None = None
    offset = 0
    while offset + ENTRY_SIZE <= len(table):
        raw = _entry(table, offset)
        if raw.next_offset <= 0:
            raise ValueError("corrupt iptables entry")
        if offset + raw.next_offset == len(table):
            _close(current, offset)  # the table's final ERROR entry
            break
        if raw.target_name == "ERROR":
            _close(current, offset)
            current = Chain(raw.error_name, False, head=offset)
            chains.append(current)
        else:
            if offset in hooks:
                _close(current, offset)
                current = Chain(HOOK_NAMES[hooks[offset]], True, head=offset)
                chains.append(current)
            if current is not None:
                current.rules.append(_rule(raw, offset))
        offset += raw.next_offset
    _resolve_jumps(chains)
    builtins = [c for c in chains if c.builtin]
    users = sorted((c for c in chains if not c.builtin), key=lambda c: c.name.encode())
    return builtins + users


def _entry(table: bytes, offset: int) -> _Raw:
    fields = ENTRY.unpack_from(table, offset)
    target_offset, next_offset = fields[12], fields[13]
    target_at = offset + target_offset
    _, name, _ = XT_HEADER.unpack_from(table, target_at)
    target_name = name.split(b"\0", 1)[0].decode("ascii", "replace")
    data = target_at + XT_HEADER_SIZE
    verdict = VERDICT.unpack_from(table, data)[0] if target_name == "" else None
    error_name = ""
    if target_name == "ERROR":
        error_name = table[data : data + 30].split(b"\0", 1)[0].decode("utf-8", "replace")
    # osquery reads the first match's data as ipt_tcp/ipt_udp ports, whatever it really is.
    ports = PORTS.unpack_from(table, offset + ENTRY_SIZE + XT_HEADER_SIZE)
    return _Raw(offset, fields, target_name, verdict, error_name, ports, next_offset)


def _rule(raw: _Raw, offset: int) -> Rule:
    f = raw.fields
    proto, invflags = f[8], f[10]
    if raw.target_name == "":
        verdict = raw.verdict if raw.verdict is not None else 0
        if verdict < 0:
            target = _VERDICTS.get(verdict, "")
        elif verdict == offset + raw.next_offset:
            target = ""  # fall-through
        else:
            target = f"\0jump:{verdict}"
    else:
        target = raw.target_name
    ports = raw.ports if proto in (IPPROTO_TCP, IPPROTO_UDP) else None
    return Rule(
        target,
        proto,
        invflags,
        f[0],
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        f[6],
        f[7],
        ports,
        (f[15], f[16]),
    )


def _close(chain: Chain | None, next_offset: int) -> None:
    """libiptc's __iptcc_p_del_policy: a chain's last entry is its policy (built-in) or its
    RETURN foot (user-defined), not a rule."""
    if chain is None:
        return
    chain.foot = next_offset - 1
    if not chain.rules:
        return
    last = chain.rules.pop()
    if chain.builtin:
        chain.policy = last.target
        chain.packets, chain.bytes = last.counters


def _resolve_jumps(chains: list[Chain]) -> None:
    for chain in chains:
        for rule in chain.rules:
            if rule.target.startswith("\0jump:"):
                verdict = int(rule.target[6:])
                rule.target = next((c.name for c in chains if c.head <= verdict <= c.foot), "")


def _no_snapshot(table: str) -> tuple[bytes, bytes] | None:
    return None


def _kernel_snapshot(table: str) -> tuple[bytes, bytes] | None:
    """The (getinfo, entries) blobs of a legacy table, or None (no root, no such table)."""
    name = table.encode()[:31]
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    except OSError:
        return None
    with sock:
        for _ in range(_RETRIES):
            info = ctypes.create_string_buffer(name, GETINFO.size)
            length = ctypes.c_uint32(GETINFO.size)
            if (
                libc.getsockopt(sock.fileno(), SOL_IP, IPT_SO_GET_INFO, info, ctypes.byref(length))
                != 0
            ):
                return None
            size = GETINFO.unpack_from(info.raw)[-1]
            entries = ctypes.create_string_buffer(GET_ENTRIES_HEADER + size)
            struct.pack_into("<32sI", entries, 0, name, size)
            length = ctypes.c_uint32(GET_ENTRIES_HEADER + size)
            if (
                libc.getsockopt(
                    sock.fileno(), SOL_IP, IPT_SO_GET_ENTRIES, entries, ctypes.byref(length)
                )
                == 0
            ):
                return info.raw, entries.raw
            if ctypes.get_errno() != errno.EAGAIN:
                return None  # EAGAIN: the table changed between the two calls
    return None


def attach(host: Host) -> Netfilter:
    """The iptables reader of host."""
    return Netfilter(host)
