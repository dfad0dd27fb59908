"""The kernel's audit netlink socket: status, rules, ownership and the record stream."""

# Encoders and decoders are pure functions over bytes (tested on recorded messages); the
# AuditSocket class is the only part that talks to the kernel. Two sockets are used by the
# publisher: the one that claims the audit pid (the kernel then unicasts every record to it,
# or, in multicast mode, the one joined to AUDIT_NLGRP_READLOG), and a control socket for
# status and rule requests, so replies never interleave with the record stream.

from __future__ import annotations

import errno
import os
import select
import socket
import struct
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

NETLINK_AUDIT = 9
AUDIT_NLGRP_READLOG = 1
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
SO_RCVBUFFORCE = 33

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE = 1, 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4

AUDIT_GET, AUDIT_SET = 1000, 1001
AUDIT_ADD_RULE, AUDIT_DEL_RULE, AUDIT_LIST_RULES = 1011, 1012, 1013

STATUS_ENABLED, STATUS_FAILURE, STATUS_PID = 0x1, 0x2, 0x4
STATUS_RATE_LIMIT, STATUS_BACKLOG_LIMIT, STATUS_BACKLOG_WAIT_TIME = 0x8, 0x10, 0x20
FAIL_SILENT, FAIL_PRINTK, FAIL_PANIC = 0, 1, 2

AUDIT_FILTER_USER, AUDIT_FILTER_TASK, AUDIT_FILTER_ENTRY = 0, 1, 2
AUDIT_FILTER_WATCH, AUDIT_FILTER_EXIT, AUDIT_FILTER_EXCLUDE = 3, 4, 5
AUDIT_NEVER, AUDIT_POSSIBLE, AUDIT_ALWAYS = 0, 1, 2

AUDIT_BIT_MASK, AUDIT_LESS_THAN, AUDIT_GREATER_THAN = 0x08000000, 0x10000000, 0x20000000
AUDIT_NOT_EQUAL, AUDIT_EQUAL, AUDIT_BIT_TEST = 0x30000000, 0x40000000, 0x48000000
AUDIT_LESS_THAN_OR_EQUAL, AUDIT_GREATER_THAN_OR_EQUAL = 0x50000000, 0x60000000

AUDIT_PID, AUDIT_UID, AUDIT_ARCH, AUDIT_EXIT, AUDIT_SUCCESS = 0, 1, 11, 103, 104
AUDIT_WATCH, AUDIT_DIR, AUDIT_EXE, AUDIT_FILTERKEY = 105, 107, 112, 210
AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64 = 0xC000003E, 0xC00000B7
# Fields whose value is a string carried in the rule's buffer (value = its length).
STRING_FIELDS = frozenset({13, 14, 15, 16, 17, 19, 20, 21, 22, 23, AUDIT_WATCH, AUDIT_DIR})
STRING_FIELDS = STRING_FIELDS | {AUDIT_EXE, AUDIT_FILTERKEY}

MAX_FIELDS = 64
BITMASK_WORDS = 64
_HEADER = struct.Struct("=IHHII")
_STATUS = struct.Struct("=11I")
_RULE = struct.Struct(f"=III{BITMASK_WORDS}I{MAX_FIELDS}I{MAX_FIELDS}I{MAX_FIELDS}II")
_ERROR = struct.Struct("=i")
_KIND = struct.Struct("=H")
_FIELD_NAMES = {AUDIT_PID: "pid", AUDIT_UID: "uid", AUDIT_ARCH: "arch", AUDIT_EXIT: "exit"}
_FIELD_NAMES |= {AUDIT_SUCCESS: "success", AUDIT_EXE: "exe", AUDIT_FILTERKEY: "key"}
_OPERATORS = {AUDIT_EQUAL: "=", AUDIT_NOT_EQUAL: "!=", AUDIT_LESS_THAN: "<"}
_OPERATORS |= {AUDIT_GREATER_THAN: ">", AUDIT_BIT_MASK: "&", AUDIT_BIT_TEST: "&="}
_OPERATORS |= {AUDIT_LESS_THAN_OR_EQUAL: "<=", AUDIT_GREATER_THAN_OR_EQUAL: ">="}
_ARCH_NAMES = {AUDIT_ARCH_X86_64: "b64", AUDIT_ARCH_AARCH64: "b64"}
_LISTS = {AUDIT_FILTER_EXIT: "exit", AUDIT_FILTER_TASK: "task", AUDIT_FILTER_USER: "user"}
_ACTIONS = {AUDIT_ALWAYS: "always", AUDIT_NEVER: "never"}


class AuditNetlinkError(OSError):
    """The kernel refused an audit request (errno and the request named)."""


@dataclass(frozen=True)
class AuditStatus:
    """struct audit_status as the kernel reports it (AUDIT_GET)."""

    mask: int = 0
    enabled: int = 0
    failure: int = 0
    pid: int = 0
    rate_limit: int = 0
    backlog_limit: int = 0
    lost: int = 0
    backlog: int = 0
    features: int = 0
    backlog_wait_time: int = 0
    backlog_wait_time_actual: int = 0


_STATUS_MASKS = {
    "enabled": STATUS_ENABLED,
    "failure": STATUS_FAILURE,
    "pid": STATUS_PID,
    "rate_limit": STATUS_RATE_LIMIT,
    "backlog_limit": STATUS_BACKLOG_LIMIT,
    "backlog_wait_time": STATUS_BACKLOG_WAIT_TIME,
}


def decode_status(payload: bytes) -> AuditStatus:
    """An AUDIT_GET reply's payload (older kernels send fewer fields: the rest are 0)."""
    padded = payload[: _STATUS.size].ljust(_STATUS.size, b"\0")
    return AuditStatus(*_STATUS.unpack(padded))


def encode_status(**values: int) -> bytes:
    """An AUDIT_SET payload changing exactly the named settings (enabled=1, pid=0...)."""
    unknown = set(values) - set(_STATUS_MASKS)
    if unknown:
        raise ValueError(f"not settable: {', '.join(sorted(unknown))}")
    mask = 0
    for name in values:
        mask |= _STATUS_MASKS[name]
    status = replace(AuditStatus(), mask=mask, **values)
    return _STATUS.pack(*(getattr(status, f.name) for f in fields(AuditStatus)))


@dataclass(frozen=True)
class RuleField:
    """One field comparison of a rule: `-F arch=b64`, `-F pid!=42`, `-k hostql`."""

    field: int
    op: int
    value: int | str


@dataclass(frozen=True)
class AuditRule:
    """struct audit_rule_data: a filter list, an action, syscalls and field comparisons."""

    syscalls: frozenset[int] = frozenset()
    fields: tuple[RuleField, ...] = ()
    flags: int = AUDIT_FILTER_EXIT
    action: int = AUDIT_ALWAYS

    def key(self) -> str | None:
        """The rule's filter key (auditctl -k), if it has one."""
        keys = [f.value for f in self.fields if f.field == AUDIT_FILTERKEY]
        return str(keys[0]) if keys else None

    def field_value(self, field: int) -> int | str | None:
        """The value compared for one field id, if the rule has it."""
        return next((f.value for f in self.fields if f.field == field), None)

    def describe(self, names: dict[int, str] | None = None) -> str:
        """The rule as auditctl -l would print it (syscalls by name when names are given)."""
        parts = [f"-a {_ACTIONS.get(self.action, self.action)},{_LISTS.get(self.flags, '?')}"]
        arch = next((f for f in self.fields if f.field == AUDIT_ARCH), None)
        if arch is not None:
            parts.append(f"-F arch={_ARCH_NAMES.get(int(arch.value), arch.value)}")
        if self.syscalls:
            named = [(names or {}).get(n, str(n)) for n in sorted(self.syscalls)]
            parts.append("-S " + ",".join(named))
        for f in self.fields:
            if f.field == AUDIT_ARCH:
                continue
            if f.field == AUDIT_FILTERKEY:
                parts.append(f"-k {f.value}")
                continue
            name = _FIELD_NAMES.get(f.field, str(f.field))
            parts.append(f"-F {name}{_OPERATORS.get(f.op, '?')}{f.value}")
        return " ".join(parts)


def encode_rule(rule: AuditRule) -> bytes:
    """The audit_rule_data bytes of a rule (AUDIT_ADD_RULE / AUDIT_DEL_RULE payload)."""
    if len(rule.fields) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} fields per rule")
    mask = [0] * BITMASK_WORDS
    for number in rule.syscalls:
        if not 0 <= number < BITMASK_WORDS * 32:
            raise ValueError(f"syscall number out of range: {number}")
        mask[number // 32] |= 1 << (number % 32)
    ids, values, ops = [0] * MAX_FIELDS, [0] * MAX_FIELDS, [0] * MAX_FIELDS
    buffer = bytearray()
    for i, f in enumerate(rule.fields):
        ids[i], ops[i] = f.field, f.op
        if f.field in STRING_FIELDS:
            text = str(f.value).encode()
            values[i] = len(text)
            buffer += text
        else:
            values[i] = int(f.value) & 0xFFFFFFFF
    head = _RULE.pack(rule.flags, rule.action, len(rule.fields), *mask, *ids, *values, *ops, 0)
    return head[:-4] + struct.pack("=I", len(buffer)) + bytes(buffer)


def decode_rule(payload: bytes) -> AuditRule:
    """A rule from AUDIT_LIST_RULES reply bytes (the inverse of encode_rule)."""
    if len(payload) < _RULE.size:
        raise ValueError(f"audit_rule_data needs {_RULE.size} bytes, got {len(payload)}")
    values = _RULE.unpack_from(payload)
    flags, action, count = values[0], values[1], values[2]
    mask = values[3 : 3 + BITMASK_WORDS]
    base = 3 + BITMASK_WORDS
    ids = values[base : base + MAX_FIELDS]
    vals = values[base + MAX_FIELDS : base + 2 * MAX_FIELDS]
    ops = values[base + 2 * MAX_FIELDS : base + 3 * MAX_FIELDS]
    buffer = payload[_RULE.size : _RULE.size + values[-1]]
    syscalls = frozenset(
        word * 32 + bit for word, bits in enumerate(mask) for bit in range(32) if bits >> bit & 1
    )
    decoded: list[RuleField] = []
    offset = 0
    for i in range(min(count, MAX_FIELDS)):
        if ids[i] in STRING_FIELDS:
            text = buffer[offset : offset + vals[i]].decode(errors="replace")
            offset += vals[i]
            decoded.append(RuleField(ids[i], ops[i], text))
        else:
            decoded.append(RuleField(ids[i], ops[i], vals[i]))
    return AuditRule(syscalls, tuple(decoded), flags, action)


def encode_message(kind: int, payload: bytes, seq: int, flags: int = NLM_F_REQUEST) -> bytes:
    """One netlink message: header plus payload, padded to 4 bytes."""
    length = _HEADER.size + len(payload)
    return _HEADER.pack(length, kind, flags, seq, 0) + payload + b"\0" * (-length % 4)


def decode_messages(data: bytes) -> list[tuple[int, int, int, bytes]]:
    """Control replies in one datagram as (type, flags, seq, payload)."""
    messages = []
    offset = 0
    while offset + _HEADER.size <= len(data):
        length, kind, flags, seq, _ = _HEADER.unpack_from(data, offset)
        if length < _HEADER.size:
            break
        messages.append((kind, flags, seq, data[offset + _HEADER.size : offset + length]))
        offset += (length + 3) & ~3
    return messages


def decode_error(payload: bytes) -> int:
    """The errno of an NLMSG_ERROR payload (0 for an acknowledgement)."""
    return -_ERROR.unpack_from(payload)[0] if len(payload) >= 4 else errno.EBADMSG


def decode_record(datagram: bytes | memoryview) -> tuple[int, str]:
    """(type, text) of one audit record datagram.

    The whole datagram is the record: the kernel's nlmsg_len on records is not reliable.
    """
    kind = _KIND.unpack_from(datagram, 4)[0]
    return kind, bytes(datagram[_HEADER.size :]).rstrip(b"\0\n").decode(errors="replace")


def native_arch() -> int:
    """The AUDIT_ARCH_* value of this machine's native syscall table."""
    machine = os.uname().machine
    return {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}.get(machine, 0)


def process_name(pid: int, proc: Path = Path("/proc")) -> str:
    """The command name of a pid (``?`` when it is gone or hidden)."""
    try:
        return (proc / str(pid) / "comm").read_text().strip()
    except OSError:
        return "?"


class AuditSocket:
    """One NETLINK_AUDIT socket: control requests, or the record stream."""

    def __init__(self) -> None:
        self.sock = socket.socket(
            socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_AUDIT
        )
        self.sock.bind((0, 0))
        self.seq = int(time.monotonic_ns()) & 0xFFFF
        self._buffer = bytearray(1 << 16)

    def close(self) -> None:
        """Close the socket (the kernel forgets a pid claim on the next send failure)."""
        self.sock.close()

    def request(self, kind: int, payload: bytes = b"", timeout: float = 2.0) -> list[bytes]:
        """Send one request and wait for its acknowledgement; returns the reply payloads."""
        self.seq += 1
        seq = self.seq
        self.sock.send(encode_message(kind, payload, seq, NLM_F_REQUEST | NLM_F_ACK))
        replies: list[bytes] = []
        acked = False
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.sock], [], [], remaining)[0]:
                raise AuditNetlinkError(errno.ETIMEDOUT, f"audit request {kind}: no reply")
            for reply_kind, _, reply_seq, body in decode_messages(self.sock.recv(1 << 16)):
                if reply_seq != seq:
                    continue
                if reply_kind == NLMSG_ERROR:
                    code = decode_error(body)
                    if code:
                        raise AuditNetlinkError(code, f"audit request {kind}: {os.strerror(code)}")
                    acked = True
                elif reply_kind == NLMSG_DONE:
                    return replies
                elif reply_kind != NLMSG_NOOP:
                    replies.append(body)
            # AUDIT_GET answers after its ack; AUDIT_LIST_RULES ends with NLMSG_DONE.
            if acked and kind not in (AUDIT_GET, AUDIT_LIST_RULES):
                return replies
            if acked and kind == AUDIT_GET and replies:
                return replies

    def status(self) -> AuditStatus:
        """The kernel's audit status (enabled, pid, backlog limit, lost...)."""
        replies = self.request(AUDIT_GET)
        return decode_status(replies[0])

    def set_status(self, **values: int) -> None:
        """Change the named settings (enabled, failure, pid, backlog_limit...)."""
        self.request(AUDIT_SET, encode_status(**values))

    def claim(self) -> None:
        """Become the audit daemon: the kernel then unicasts every record to this socket."""
        self.set_status(pid=os.getpid())

    def add_rule(self, rule: AuditRule) -> None:
        """Install a rule (EEXIST when an identical rule is already there)."""
        self.request(AUDIT_ADD_RULE, encode_rule(rule))

    def delete_rule(self, rule: AuditRule) -> None:
        """Remove the rule identical to this one (ENOENT when there is none)."""
        self.request(AUDIT_DEL_RULE, encode_rule(rule))

    def list_rules(self) -> list[AuditRule]:
        """Every installed rule, in the kernel's order."""
        return [decode_rule(body) for body in self.request(AUDIT_LIST_RULES, timeout=5.0)]

    def join_readlog(self) -> None:
        """Join the read-only multicast group (kernel >= 3.16, needs CAP_AUDIT_READ)."""
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, AUDIT_NLGRP_READLOG)

    def set_receive_buffer(self, size: int) -> int:
        """Grow the receive buffer (forced past rmem_max as root); returns the size granted."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
        except PermissionError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        return int(self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))

    def receive(
        self, timeout: float, limit: int = 4096, skip: frozenset[int] = frozenset()
    ) -> tuple[list[tuple[int, str]], int]:
        """Records waiting (up to limit), waiting up to timeout for the first; and overruns.

        Records whose type is in skip are read and dropped undecoded. An overrun (ENOBUFS)
        means the kernel dropped records because the buffer was full.
        """
        records: list[tuple[int, str]] = []
        overruns = 0
        if not select.select([self.sock], [], [], timeout)[0]:
            return records, overruns
        buffer, view = self._buffer, memoryview(self._buffer)
        recv_into, kind_of = self.sock.recv_into, _KIND.unpack_from
        for _ in range(limit):
            try:
                size = recv_into(buffer, 0, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as error:
                if error.errno != errno.ENOBUFS:
                    raise
                overruns += 1
                continue
            if size >= _HEADER.size and kind_of(buffer, 4)[0] not in skip:
                records.append(decode_record(view[:size]))
        return records, overruns
