"""The audit publisher against a simulated kernel: owner detection, modes, exact restore."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from hostql.events.base import PublisherError
from hostql.events.publishers import audit as audit_module
from hostql.events.publishers.audit import AuditPublisher, owner_message
from hostql.events.publishers.audit_rules import build_rule
from hostql.flags import FlagValues, default_values
from hostql.host.audit_netlink import AuditNetlinkError, AuditRule, AuditStatus

OWNER_PID = 2**22 + 5  # no such process: its name reads as "?"


class FakeKernel:
    """The audit state a kernel keeps: status, rules, the claimer and queued records."""

    def __init__(self, **status: int) -> None:
        defaults = {"enabled": 0, "failure": 1, "backlog_limit": 64, "backlog_wait_time": 15000}
        self.status = AuditStatus(**{**defaults, **status})
        self.rules: list[AuditRule] = []
        self.queue: list[tuple[int, str]] = []
        self.readers: list[FakeSocket] = []
        self.log: list[tuple[str, Any]] = []


class FakeSocket:
    """AuditSocket's interface over a FakeKernel."""

    kernel: FakeKernel

    def __init__(self) -> None:
        self.closed = False

    def status(self) -> AuditStatus:
        return self.kernel.status

    def set_status(self, **values: int) -> None:
        kernel = self.kernel
        if values.get("pid") and kernel.status.pid not in (0, values["pid"]):
            raise AuditNetlinkError(errno.EEXIST, "exists")
        kernel.log.append(("set", values))
        kernel.status = replace(kernel.status, **values)

    def claim(self) -> None:
        self.set_status(pid=os.getpid())

    def add_rule(self, rule: AuditRule) -> None:
        if rule in self.kernel.rules:
            raise AuditNetlinkError(errno.EEXIST, "exists")
        self.kernel.log.append(("add", rule))
        self.kernel.rules.append(rule)

    def delete_rule(self, rule: AuditRule) -> None:
        if rule not in self.kernel.rules:
            raise AuditNetlinkError(errno.ENOENT, "missing")
        self.kernel.log.append(("delete", rule))
        self.kernel.rules.remove(rule)

    def list_rules(self) -> list[AuditRule]:
        return list(self.kernel.rules)

    def join_readlog(self) -> None:
        self.kernel.readers.append(self)

    def set_receive_buffer(self, size: int) -> int:
        return size

    def receive(
        self, timeout: float, limit: int = 4096, skip: frozenset[int] = frozenset()
    ) -> tuple[list[tuple[int, str]], int]:
        records, self.kernel.queue = self.kernel.queue[:limit], self.kernel.queue[limit:]
        if not records:
            time.sleep(min(timeout, 0.01))
        return records, 0

    def close(self) -> None:
        self.closed = True


class Sink:
    """A StatusSink that remembers every line."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(("info", message))

    def warning(self, message: str) -> None:
        self.lines.append(("warning", message))

    def error(self, message: str) -> None:
        self.lines.append(("error", message))


@pytest.fixture
def kernel(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKernel]:
    fake = FakeKernel()
    FakeSocket.kernel = fake
    monkeypatch.setattr(audit_module, "AuditSocket", FakeSocket)
    yield fake


def make(**flags: Any) -> tuple[AuditPublisher, Sink]:
    values: FlagValues = default_values()
    values.set("disable_audit", False)
    for name, value in flags.items():
        values.set(name, value)
    publisher = AuditPublisher(values)
    sink = Sink()
    publisher.status = sink
    return publisher, sink


def test_disabled_unless_audit_on_and_a_table_allowed(kernel: FakeKernel) -> None:
    publisher, _ = make(disable_audit=True)
    with pytest.raises(PublisherError, match="disabled via configuration"):
        publisher.setup()
    off = {f: False for f in audit_module.ALLOW_FLAGS}
    with pytest.raises(PublisherError, match="disabled via configuration"):
        make(**off)[0].setup()


def test_owner_is_named_in_an_error_and_the_reason(kernel: FakeKernel) -> None:
    kernel.status = replace(kernel.status, pid=OWNER_PID)
    publisher, sink = make()
    with pytest.raises(PublisherError) as error:
        publisher.setup()
    expected = owner_message(OWNER_PID, "?")
    assert str(error.value) == expected and publisher.reason == expected
    assert ("error", expected) in sink.lines
    assert f"pid {OWNER_PID}" in expected and "--audit_mode=multicast" in expected
    assert publisher.owner == (OWNER_PID, "?")
    assert kernel.status.pid == OWNER_PID and kernel.log == []
    with pytest.raises(PublisherError):
        publisher.setup()  # the runtime's retry: the same reason is not logged again
    assert [level for level, _ in sink.lines].count("error") == 1


def test_a_claim_race_is_reported_the_same_way(kernel: FakeKernel, monkeypatch: Any) -> None:
    def racing_claim(self: FakeSocket) -> None:
        kernel.status = replace(kernel.status, pid=OWNER_PID)
        raise AuditNetlinkError(errno.EEXIST, "exists")

    monkeypatch.setattr(FakeSocket, "claim", racing_claim)
    publisher, sink = make()
    with pytest.raises(PublisherError, match=f"pid {OWNER_PID}"):
        publisher.setup()
    assert sink.lines[-1][0] == "error"


def test_auto_reads_the_multicast_group_beside_an_owner(kernel: FakeKernel) -> None:
    kernel.status = replace(kernel.status, pid=OWNER_PID, enabled=1)
    publisher, sink = make(audit_mode="auto", audit_allow_config=True)
    publisher.setup()
    assert publisher.mode == "multicast" and kernel.readers
    assert kernel.status.pid == OWNER_PID and kernel.rules == [] and kernel.log == []
    assert any("multicast" in line and "auto" in line for _, line in sink.lines)
    # The owner audits nothing process_events needs: the exact rule to add is printed.
    assert any("-S execve,execveat -k hostql" in line for _, line in sink.lines)
    publisher.teardown()
    assert kernel.status.pid == OWNER_PID and kernel.log == []


def test_unknown_mode_is_refused(kernel: FakeKernel) -> None:
    with pytest.raises(PublisherError, match="audit_mode"):
        make(audit_mode="broadcast")[0].setup()


def test_unicast_configures_then_restores_exactly(kernel: FakeKernel) -> None:
    foreign = AuditRule(frozenset({2}))
    kernel.rules.append(foreign)
    publisher, sink = make(audit_allow_config=True, audit_allow_sockets=True)
    publisher.setup()
    status = kernel.status
    assert (status.pid, status.enabled, status.backlog_limit) == (os.getpid(), 1, 4096)
    assert (status.failure, status.backlog_wait_time) == (0, 0)
    assert len(kernel.rules) == 2 and kernel.rules[0] == foreign
    names = audit_module.syscall_names()
    assert {"execve", "execveat", "bind", "connect"} <= {names[n] for n in kernel.rules[1].syscalls}
    assert any(line.startswith("Installed audit rule: -a always,exit") for _, line in sink.lines)
    publisher.teardown()
    assert kernel.rules == [foreign]
    assert kernel.status == AuditStatus(
        enabled=0, failure=1, backlog_limit=64, backlog_wait_time=15000
    )


def test_settings_already_right_are_not_touched(kernel: FakeKernel) -> None:
    kernel.status = replace(kernel.status, enabled=1, failure=0, backlog_limit=4096)
    kernel.status = replace(kernel.status, backlog_wait_time=0)
    publisher, _ = make(audit_allow_config=True)
    publisher.setup()
    publisher.teardown()
    changed = [values for kind, values in kernel.log if kind == "set"]
    assert changed == [{"pid": os.getpid()}, {"pid": 0}]
    assert kernel.status.enabled == 1


def test_without_allow_config_nothing_changes_but_the_pid(kernel: FakeKernel) -> None:
    publisher, sink = make()
    publisher.setup()
    assert kernel.rules == [] and kernel.status.enabled == 0
    assert any("disabled" in line for level, line in sink.lines if level == "warning")
    publisher.teardown()
    assert kernel.log == [("set", {"pid": os.getpid()}), ("set", {"pid": 0})]


def test_a_preexisting_rule_is_kept_unless_force_unconfigure(kernel: FakeKernel) -> None:
    rule = build_rule({59, 322})
    kernel.rules.append(rule)
    publisher, sink = make(audit_allow_config=True)
    publisher.setup()
    assert any(level == "error" and "Failed to install" in line for level, line in sink.lines)
    publisher.teardown()
    assert kernel.rules == [rule]
    publisher, _ = make(audit_allow_config=True, audit_force_unconfigure=True)
    publisher.setup()
    publisher.teardown()
    assert kernel.rules == []


def test_force_reconfigure_clears_and_stale_rules_go(kernel: FakeKernel) -> None:
    stale = build_rule({59}, own_pid=OWNER_PID)
    foreign = AuditRule(frozenset({2}))
    kernel.rules += [stale, foreign]
    publisher, _ = make(audit_allow_config=True)
    publisher.setup()
    assert stale not in kernel.rules and foreign in kernel.rules
    publisher.teardown()
    publisher, _ = make(audit_allow_config=True, audit_force_reconfigure=True)
    publisher.setup()
    assert foreign not in kernel.rules
    publisher.teardown()
    assert kernel.rules == []


def test_run_fires_batches_and_counts_kernel_losses(kernel: FakeKernel) -> None:
    publisher, sink = make(audit_allow_config=True)
    fired: list[Any] = []
    publisher.fire = fired.append
    publisher.setup()
    head = "audit(1700000000.1:5):"
    ids = "auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0"
    kernel.queue = [
        (1300, f'{head} syscall=59 success=yes exit=0 ppid=1 pid=2 {ids} exe="/bin/true"'),
        (1320, head),
    ]
    kernel.status = replace(kernel.status, lost=kernel.status.lost + 3)
    stop = threading.Event()
    thread = threading.Thread(target=publisher.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 5
    while (not fired or not publisher.counters["lost"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(5)
    publisher.teardown()
    assert len(fired) == 1 and fired[0]["audit_events"][0].syscall == 59
    assert publisher.counters["records"] == 2 and publisher.counters["lost"] == 3
    assert any("backlog overflowed" in line for level, line in sink.lines if level == "warning")


def test_a_lost_claim_is_retaken_with_audit_persist(kernel: FakeKernel) -> None:
    publisher, sink = make()
    publisher.setup()
    kernel.status = replace(kernel.status, pid=0)  # the claim vanished (e.g. auditctl --reset)
    publisher.check_kernel()
    assert kernel.status.pid == os.getpid() and publisher.claimed
    assert any("Audit control lost" in line for _, line in sink.lines)
    kernel.status = replace(kernel.status, pid=OWNER_PID)
    with pytest.raises(PublisherError, match=f"pid {OWNER_PID}"):
        publisher.check_kernel()
    publisher.teardown()
    assert kernel.status.pid == OWNER_PID  # never released someone else's claim


def test_without_audit_persist_a_lost_claim_stops_the_run(kernel: FakeKernel) -> None:
    publisher, _ = make(audit_persist=False)
    publisher.setup()
    kernel.status = replace(kernel.status, pid=OWNER_PID)
    with pytest.raises(PublisherError, match="owned by pid"):
        publisher.check_kernel()
    publisher.teardown()
