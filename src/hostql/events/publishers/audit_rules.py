"""Which audit rule the enabled audit tables need: syscall tables per arch and the rule itself."""

# osquery installs one exit-filter, always-audit rule covering every syscall its enabled
# tables need. hostql adds three fields to it: the native arch (without it the syscall
# numbers would also match unrelated 32-bit syscalls), pid != its own (its own writes and
# execs must not feed back into the stream), and the key "hostql" so `auditctl -l` shows
# whose rule it is and a rule left by a crashed run can be found.

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from hostql.host.audit_netlink import (
    AUDIT_ARCH,
    AUDIT_ARCH_AARCH64,
    AUDIT_ARCH_X86_64,
    AUDIT_EQUAL,
    AUDIT_FILTERKEY,
    AUDIT_NOT_EQUAL,
    AUDIT_PID,
    AuditRule,
    RuleField,
    native_arch,
)

RULE_KEY = "hostql"

_X86_64 = {
    "read": 0, "write": 1, "open": 2, "close": 3, "mmap": 9, "pread64": 17, "pwrite64": 18,
    "readv": 19, "writev": 20, "dup": 32, "dup2": 33, "connect": 42, "accept": 43, "bind": 49,
    "clone": 56, "fork": 57, "vfork": 58, "execve": 59, "kill": 62, "truncate": 76,
    "ftruncate": 77, "rename": 82, "creat": 85, "unlink": 87, "symlink": 88, "mknod": 133,
    "tkill": 200, "tgkill": 234, "openat": 257, "mknodat": 259, "unlinkat": 263,
    "renameat": 264, "linkat": 265, "symlinkat": 266, "accept4": 288, "dup3": 292,
    "preadv": 295, "pwritev": 296, "name_to_handle_at": 303, "open_by_handle_at": 304,
    "renameat2": 316, "execveat": 322,
}  # fmt: skip
# The generic table (arm64 has no fork, vfork, open, creat, rename... of its own).
_AARCH64 = {
    "dup": 23, "dup3": 24, "mknodat": 33, "unlinkat": 35, "symlinkat": 36, "linkat": 37,
    "renameat": 38, "truncate": 45, "ftruncate": 46, "openat": 56, "close": 57, "read": 63,
    "write": 64, "readv": 65, "writev": 66, "pread64": 67, "pwrite64": 68, "preadv": 69,
    "pwritev": 70, "kill": 129, "tkill": 130, "tgkill": 131, "bind": 200, "accept": 202,
    "connect": 203, "clone": 220, "execve": 221, "mmap": 222, "accept4": 242,
    "name_to_handle_at": 264, "open_by_handle_at": 265, "renameat2": 276, "execveat": 281,
}  # fmt: skip
SYSCALL_TABLES = {AUDIT_ARCH_X86_64: _X86_64, AUDIT_ARCH_AARCH64: _AARCH64}

EXEC = ("execve", "execveat")
FORK = ("clone", "fork", "vfork")
KILL = ("kill", "tkill", "tgkill")
SOCKET = ("bind", "connect")
ACCEPT = ("accept", "accept4")
FIM = (
    "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "rename", "renameat", "renameat2",
    "creat", "mknod", "mknodat", "open", "openat", "open_by_handle_at", "name_to_handle_at",
    "close", "dup", "dup2", "dup3", "pread64", "preadv", "read", "readv", "mmap", "write",
    "writev", "pwrite64", "pwritev", "truncate", "ftruncate", "clone", "fork", "vfork",
)  # fmt: skip


@cache
def syscall_table(arch: int | None = None) -> dict[str, int]:
    """name -> number for an AUDIT_ARCH_* value (this machine's by default)."""
    return SYSCALL_TABLES.get(native_arch() if arch is None else arch, {})


@cache
def syscall_names(arch: int | None = None) -> dict[int, str]:
    """number -> name for an AUDIT_ARCH_* value (this machine's by default)."""
    return {number: name for name, number in syscall_table(arch).items()}


def numbers(names: tuple[str, ...], table: Mapping[str, int]) -> set[int]:
    """The numbers of the syscalls this arch has among names."""
    return {table[name] for name in names if name in table}


def wanted_syscalls(values: Mapping[str, Any], arch: int | None = None) -> set[int]:
    """Every syscall the enabled audit tables need a rule for (osquery's selection)."""
    table = syscall_table(arch)
    wanted: set[int] = set()
    if values["audit_allow_sockets"]:
        wanted |= numbers(SOCKET, table)
        if values["audit_allow_accept_socket_events"]:
            wanted |= numbers(ACCEPT, table)
    if values["audit_allow_process_events"]:
        wanted |= numbers(EXEC, table)
        if values["audit_allow_fork_process_events"]:
            wanted |= numbers(FORK, table)
        if values["audit_allow_kill_process_events"]:
            wanted |= numbers(KILL, table)
    if values["audit_allow_fim_events"]:
        wanted |= numbers(FIM, table)
    return wanted


def allowed_to_fail(values: Mapping[str, Any], arch: int | None = None) -> set[int]:
    """Syscalls whose failed calls still reach subscribers (socket_events decides on them)."""
    if not values["audit_allow_sockets"]:
        return set()
    table = syscall_table(arch)
    return numbers(SOCKET + ACCEPT, table)


def build_rule(
    syscalls: set[int], own_pid: int | None = None, arch: int | None = None
) -> AuditRule:
    """The one exit rule hostql installs: always audit syscalls, native arch, not our pid."""
    arch = native_arch() if arch is None else arch
    own_pid = os.getpid() if own_pid is None else own_pid
    fields = [RuleField(AUDIT_ARCH, AUDIT_EQUAL, arch)] if arch else []
    fields += [RuleField(AUDIT_PID, AUDIT_NOT_EQUAL, own_pid)]
    fields += [RuleField(AUDIT_FILTERKEY, AUDIT_EQUAL, RULE_KEY)]
    return AuditRule(frozenset(syscalls), tuple(fields))


def is_stale_rule(rule: AuditRule, alive: Any = None) -> bool:
    """Whether a rule was left by a hostql process that is gone (our key, a dead pid)."""
    if rule.key() != RULE_KEY:
        return False
    pid = rule.field_value(AUDIT_PID)
    if not isinstance(pid, int) or pid <= 0:
        return False
    exists = alive or (lambda p: os.path.exists(f"/proc/{p}"))
    return not exists(pid)


def uncovered(needed: set[int], rules: list[AuditRule], arch: int | None = None) -> set[int]:
    """Needed syscalls no installed always,exit rule audits (for multicast mode's warning)."""
    arch = native_arch() if arch is None else arch
    covered: set[int] = set()
    for rule in rules:
        rule_arch = rule.field_value(AUDIT_ARCH)
        if rule.action == 2 and rule.flags == 4 and rule_arch in (None, arch):
            covered |= rule.syscalls
    return needed - covered
