"""The audit rule hostql installs: which syscalls each table flag adds, and rule ownership."""

from __future__ import annotations

from typing import Any

from hostql.events.publishers.audit_rules import (
    allowed_to_fail,
    build_rule,
    is_stale_rule,
    syscall_names,
    syscall_table,
    uncovered,
    wanted_syscalls,
)
from hostql.flags import default_values
from hostql.host.audit_netlink import (
    AUDIT_ARCH,
    AUDIT_ARCH_AARCH64,
    AUDIT_ARCH_X86_64,
    AUDIT_PID,
    AuditRule,
)

X86 = AUDIT_ARCH_X86_64


def names(values: Any, arch: int = X86) -> set[str]:
    table = syscall_names(arch)
    return {table[n] for n in wanted_syscalls(values, arch)}


def test_defaults_audit_exec_only() -> None:
    assert names(default_values()) == {"execve", "execveat"}


def test_each_flag_adds_its_syscalls() -> None:
    values = default_values()
    values.set("audit_allow_fork_process_events", True)
    values.set("audit_allow_kill_process_events", True)
    assert names(values) == {"execve", "execveat", "clone", "fork", "vfork"} | {
        "kill",
        "tkill",
        "tgkill",
    }
    values = default_values()
    values.set("audit_allow_process_events", False)
    values.set("audit_allow_fork_process_events", True)  # needs process events
    values.set("audit_allow_sockets", True)
    assert names(values) == {"bind", "connect", "accept", "accept4"}
    values.set("audit_allow_accept_socket_events", False)
    assert names(values) == {"bind", "connect"}
    values = default_values()
    values.set("audit_allow_process_events", False)
    values.set("audit_allow_fim_events", True)
    fim = names(values)
    assert {"openat", "write", "close", "renameat2", "unlinkat", "mmap", "dup2"} <= fim
    assert len(fim) == 33


def test_arm64_has_no_legacy_syscalls() -> None:
    values = default_values()
    values.set("audit_allow_fork_process_events", True)
    assert names(values, AUDIT_ARCH_AARCH64) == {"execve", "execveat", "clone"}
    assert syscall_table(AUDIT_ARCH_AARCH64)["execve"] == 221


def test_failed_socket_calls_reach_subscribers_only_with_sockets_on() -> None:
    values = default_values()
    assert allowed_to_fail(values, X86) == set()
    values.set("audit_allow_sockets", True)
    assert allowed_to_fail(values, X86) == {42, 43, 49, 288}


def test_rule_is_native_arch_not_ours_and_keyed() -> None:
    rule = build_rule({59, 322}, own_pid=321, arch=X86)
    assert rule.syscalls == {59, 322} and rule.flags == 4 and rule.action == 2
    assert rule.field_value(AUDIT_ARCH) == X86 and rule.field_value(AUDIT_PID) == 321
    assert rule.key() == "hostql"
    assert rule.describe(syscall_names(X86)) == (
        "-a always,exit -F arch=b64 -S execve,execveat -F pid!=321 -k hostql"
    )


def test_stale_rules_are_ours_with_a_dead_pid() -> None:
    rule = build_rule({59}, own_pid=321, arch=X86)
    assert is_stale_rule(rule, alive=lambda pid: False)
    assert not is_stale_rule(rule, alive=lambda pid: True)
    assert not is_stale_rule(AuditRule(frozenset({59})), alive=lambda pid: False)


def test_uncovered_syscalls_ignore_other_arches() -> None:
    rules = [build_rule({59}, own_pid=1, arch=X86), build_rule({322}, own_pid=1, arch=1)]
    assert uncovered({59, 322}, rules, arch=X86) == {322}
    assert uncovered({59}, [AuditRule(frozenset({59}))], arch=X86) == set()
