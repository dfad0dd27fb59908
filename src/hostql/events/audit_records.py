"""Audit records: one record's fields, grouping records into events until EOE, and sockaddrs."""

# Pure functions over record text (as the kernel sends it: "audit(1700000000.123:42): k=v ..."),
# so recorded streams replay in tests. Field tokenising follows osquery's parser: space
# separated key=value pairs, a double-quoted value kept with its quotes, the first of two
# equal keys winning, and user messages' msg='...' cut at its first space.

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

SYSCALL, PATH, SOCKADDR, CWD, EXECVE = 1300, 1302, 1306, 1307, 1309
OBJ_PID, EOE, MMAP, SECCOMP, PROCTITLE = 1318, 1320, 1323, 1326, 1327
CONFIG_CHANGE = 1305
FIRST_USER_MSG, LAST_USER_MSG = 1100, 1199
USER_AVC, AVC = 1107, 1400
SELINUX_LABELS = {
    USER_AVC: "USER_AVC",
    AVC: "AVC",
    1401: "SELINUX_ERR",
    1402: "AVC_PATH",
    1403: "MAC_POLICY_LOAD",
    1404: "MAC_STATUS",
    1405: "MAC_CONFIG_CHANGE",
    1406: "MAC_UNLBL_ALLOW",
    1407: "MAC_CIPSOV4_ADD",
    1408: "MAC_CIPSOV4_DEL",
    1409: "MAC_MAP_ADD",
    1410: "MAC_MAP_DEL",
    1411: "MAC_IPSEC_ADDSA",
    1412: "MAC_IPSEC_DELSA",
    1413: "MAC_IPSEC_ADDSPD",
    1414: "MAC_IPSEC_DELSPD",
    1415: "MAC_IPSEC_EVENT",
    1416: "MAC_UNLBL_STCADD",
    1417: "MAC_UNLBL_STCDEL",
}
APPARMOR_LABELS = {AVC: "AA"}
BPRM_FCAPS = 1321
# Children no table reads (osquery keeps them in the event, unused): dropped unparsed.
UNUSED = frozenset({PROCTITLE, BPRM_FCAPS})
# Integer fields every SYSCALL record must carry for the event to be kept (as osquery).
_SYSCALL_IDS = ("pid", "ppid", "uid", "auid", "euid", "fsuid", "suid", "gid", "egid")
_SYSCALL_IDS += ("fsgid", "sgid")
_FIELD = re.compile(r'([^ =]+)=("[^"]*"|[^ ]*)')
_PREAMBLE_END = "): "
STALE_SECONDS = 300


def parse_fields(body: str) -> dict[str, str]:
    """The key=value fields of a record body (values raw: quotes kept, hex not decoded)."""
    return dict(reversed(_FIELD.findall(body)))


def decode_value(value: str) -> str:
    """A field value as text: quotes stripped, or hex decoded when it is hex (osquery's rule)."""
    if len(value) > 1 and value[0] == '"':
        return value[1:-1]
    if value and len(value) % 2 == 0 and value.isalnum():
        try:
            return bytes.fromhex(value).decode(errors="replace")
        except ValueError:
            return value
    return value


def strip_quotes(value: str) -> str:
    """A value without its surrounding double quotes (osquery's StripQuotes)."""
    if len(value) >= 3 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def parse_int(value: str | None, base: int = 10) -> int | None:
    """An unsigned integer field (None when absent or not a number)."""
    if value is None:
        return None
    try:
        number = int(value, base)
    except ValueError:
        return None
    return number if number >= 0 else None


class AuditRecord:
    """One audit record: its type, event id (``TIME:SERIAL``), UNIX time and text."""

    __slots__ = ("_fields", "audit_id", "body", "text", "time", "type")

    def __init__(self, type: int, audit_id: str, time: int, text: str, body: str) -> None:
        self.type = type
        self.audit_id = audit_id
        self.time = time
        self.text = text
        self.body = body
        self._fields: dict[str, str] | None = None

    @property
    def fields(self) -> dict[str, str]:
        """The record's fields, parsed on first use."""
        if self._fields is None:
            self._fields = parse_fields(self.body)
        return self._fields

    def __repr__(self) -> str:
        return f"AuditRecord({self.type}, {self.text!r})"


def parse_record(type: int, text: str) -> AuditRecord | None:
    """A record from its type and text (None when the ``audit(...):`` preamble is missing)."""
    end = text.find(_PREAMBLE_END)
    if end < 0:
        if not text.endswith("):"):
            return None
        end = len(text) - 2
    if not text.startswith("audit("):
        return None
    audit_id = text[6:end]
    seconds = audit_id.split(".", 1)[0]
    return AuditRecord(
        type, audit_id, int(seconds) if seconds.isdigit() else 0, text, text[end + 3 :]
    )


class AuditEvent:
    """Records grouped into one event: a syscall with its children, or a standalone record."""

    __slots__ = ("fields", "kind", "records", "success", "syscall")

    def __init__(self, kind: str, records: list[AuditRecord], syscall: int = -1) -> None:
        self.kind = kind  # user, syscall, selinux, apparmor or seccomp
        self.records = records
        self.syscall = syscall
        self.success = True
        self.fields: dict[str, str] = records[0].fields if kind == "syscall" else {}

    def record(self, type: int) -> AuditRecord | None:
        """The first record of a type."""
        return next((r for r in self.records if r.type == type), None)

    def all(self, type: int) -> list[AuditRecord]:
        """Every record of a type, in arrival order."""
        return [r for r in self.records if r.type == type]

    @property
    def executable(self) -> str:
        """The syscall's exe, decoded."""
        return decode_value(self.fields.get("exe", ""))

    def __repr__(self) -> str:
        return f"AuditEvent({self.kind}, {self.syscall}, {len(self.records)} records)"


def record_filter(*, selinux: bool, apparmor: bool, seccomp: bool) -> Callable[[int, str], bool]:
    """Which raw records the publisher keeps (osquery's ShouldHandle) for these table flags."""

    def wanted(kind: int, text: str) -> bool:
        if kind in UNUSED:
            return False
        if kind in SELINUX_LABELS:
            return apparmor if kind == AVC and "apparmor=" in text else selinux
        if kind == SECCOMP:
            return seccomp
        return not (kind < FIRST_USER_MSG or 1200 <= kind <= 1203 or kind == CONFIG_CHANGE)

    return wanted


class AuditAssembler:
    """Groups records by event id until EOE and classifies the events (osquery's publisher)."""

    def __init__(
        self,
        wanted: Callable[[int, str], bool],
        *,
        allowed_to_fail: Iterable[int] = (),
        ignored_pid: int = 0,
    ) -> None:
        self.wanted = wanted
        self.allowed_to_fail = frozenset(allowed_to_fail)
        self.ignored_pid = str(ignored_pid) if ignored_pid else ""
        self.pending: dict[str, AuditEvent] = {}
        self.malformed = 0

    def feed(self, raw: Iterable[tuple[int, str]]) -> list[AuditEvent]:
        """The events completed by these raw (type, text) records, in completion order."""
        done: list[AuditEvent] = []
        pending = self.pending
        for kind, text in raw:
            if not self.wanted(kind, text):
                continue
            record = parse_record(kind, text)
            if record is None:
                self.malformed += 1
                continue
            if kind == EOE:
                event = pending.pop(record.audit_id, None)
                if event is not None:
                    done.append(event)
            elif kind == SYSCALL:
                event = self._syscall_event(record)
                if event is not None:
                    pending[record.audit_id] = event
                else:
                    pending.pop(record.audit_id, None)
            elif FIRST_USER_MSG <= kind <= LAST_USER_MSG:
                done.append(AuditEvent("user", [record]))
            elif kind in SELINUX_LABELS:
                if kind == AVC and "apparmor" in record.fields:
                    if strip_quotes(record.fields["apparmor"]):
                        done.append(AuditEvent("apparmor", [record]))
                else:
                    done.append(AuditEvent("selinux", [record]))
            elif kind == SECCOMP:
                done.append(AuditEvent("seccomp", [record]))
            else:
                event = pending.get(record.audit_id)
                if event is not None:
                    event.records.append(record)
        return done

    def _syscall_event(self, record: AuditRecord) -> AuditEvent | None:
        fields = record.fields
        number = parse_int(fields.get("syscall"))
        if "exe" not in fields or number is None:
            self.malformed += 1
            return None
        if self.ignored_pid and fields.get("pid") == self.ignored_pid:
            return None
        success = fields.get("success", "yes") == "yes"
        if not success and number not in self.allowed_to_fail:
            return None
        for name in _SYSCALL_IDS:
            if not fields.get(name, "").isdigit():
                self.malformed += 1
                return None
        event = AuditEvent("syscall", [record], number)
        event.success = success
        return event

    def expire(self, now: float) -> int:
        """Drop events whose EOE never came within 5 minutes; returns how many."""
        stale = [
            key
            for key, event in self.pending.items()
            if now - event.records[0].time >= STALE_SECONDS
        ]
        for key in stale:
            del self.pending[key]
        return len(stale)


def execve_arguments(event: AuditEvent) -> list[str]:
    """The argv of an execve event, in order, joining arguments split into chunks."""
    fields: dict[str, str] = {}
    for record in event.all(EXECVE):
        for key, value in record.fields.items():
            fields.setdefault(key, value)
    argc = parse_int(fields.get("argc"))
    if argc is None:
        argc = sum(1 for key in fields if key[0] == "a" and key[1:].isdigit())
    args = []
    for i in range(argc):
        value = fields.get(f"a{i}")
        if value is not None:
            args.append(decode_value(value))
        elif f"a{i}_len" in fields:
            chunks = []
            while (chunk := fields.get(f"a{i}[{len(chunks)}]")) is not None:
                chunks.append(chunk)
            args.append("".join(decode_value(c) for c in chunks))
    return args


def decode_sockaddr(saddr: str) -> dict[str, str] | None:
    """family/address/port (or socket path) of a SOCKADDR record's hex saddr; None if unknown.

    IPv6 addresses come out as eight lower-case groups, unabbreviated (osquery's format).
    """
    saddr = saddr.upper()
    if saddr.startswith("02") and len(saddr) >= 16:
        raw = bytes.fromhex(saddr[8:16])
        return {"family": "2", "port": str(int(saddr[4:8], 16)), "address": ".".join(map(str, raw))}
    if saddr.startswith("0A") and len(saddr) >= 48:
        groups = [saddr[16 + 4 * i : 20 + 4 * i].lower() for i in range(8)]
        return {"family": "10", "port": str(int(saddr[4:8], 16)), "address": ":".join(groups)}
    if saddr.startswith("01") and len(saddr) > 6:
        try:
            path = bytes.fromhex(saddr[4:])
        except ValueError:
            return {"family": "1", "socket": "unknown"}
        # An abstract socket name starts with a NUL byte; a path ends at its first NUL.
        path = path[1:] if path[:1] == b"\0" else path
        return {"family": "1", "socket": path.split(b"\0", 1)[0].decode(errors="replace")}
    return None
