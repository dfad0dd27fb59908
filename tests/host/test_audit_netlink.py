"""The audit netlink protocol: status, rule and message encoding on bytes; the live socket."""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hostql.host.audit_netlink import (
    AUDIT_ADD_RULE,
    AUDIT_ARCH,
    AUDIT_ARCH_X86_64,
    AUDIT_EQUAL,
    AUDIT_FILTERKEY,
    AUDIT_GET,
    AUDIT_NOT_EQUAL,
    AUDIT_PID,
    AUDIT_SET,
    NLM_F_ACK,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    STATUS_BACKLOG_LIMIT,
    STATUS_ENABLED,
    STATUS_PID,
    AuditNetlinkError,
    AuditRule,
    AuditSocket,
    AuditStatus,
    RuleField,
    decode_error,
    decode_messages,
    decode_record,
    decode_rule,
    decode_status,
    encode_message,
    encode_rule,
    encode_status,
    process_name,
)

EXEC_RULE = AuditRule(
    frozenset({59, 322}),
    (
        RuleField(AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64),
        RuleField(AUDIT_PID, AUDIT_NOT_EQUAL, 4242),
        RuleField(AUDIT_FILTERKEY, AUDIT_EQUAL, "hostql"),
    ),
)


def test_status_decodes_every_field() -> None:
    payload = struct.pack("=11I", 0, 1, 1, 812, 0, 8192, 7, 3, 127, 15000, 0)
    status = decode_status(payload)
    assert (status.enabled, status.pid, status.backlog_limit, status.lost) == (1, 812, 8192, 7)
    assert status.backlog == 3 and status.backlog_wait_time == 15000


def test_status_from_an_older_kernel_pads_missing_fields() -> None:
    status = decode_status(struct.pack("=8I", 0, 1, 1, 5, 0, 64, 2, 0))
    assert status == AuditStatus(0, 1, 1, 5, 0, 64, 2, 0, 0, 0, 0)


def test_status_set_changes_only_named_settings() -> None:
    values = struct.unpack("=11I", encode_status(enabled=1, backlog_limit=4096))
    assert values[0] == STATUS_ENABLED | STATUS_BACKLOG_LIMIT
    assert values[1] == 1 and values[5] == 4096
    assert struct.unpack("=11I", encode_status(pid=0))[0] == STATUS_PID
    with pytest.raises(ValueError, match="lost"):
        encode_status(lost=0)


def test_rule_encodes_syscall_mask_fields_and_key_buffer() -> None:
    data = encode_rule(EXEC_RULE)
    flags, action, count = struct.unpack_from("=III", data)
    assert (flags, action, count) == (4, 2, 3)
    mask = struct.unpack_from("=64I", data, 12)
    assert mask[1] == 1 << (59 - 32) and mask[10] == 1 << (322 - 320)
    fields = struct.unpack_from("=64I", data, 12 + 256)[:3]
    values = struct.unpack_from("=64I", data, 12 + 512)[:3]
    ops = struct.unpack_from("=64I", data, 12 + 768)[:3]
    assert fields == (AUDIT_ARCH, AUDIT_PID, AUDIT_FILTERKEY)
    assert values == (AUDIT_ARCH_X86_64, 4242, len("hostql"))
    assert ops == (AUDIT_EQUAL, AUDIT_NOT_EQUAL, AUDIT_EQUAL)
    assert struct.unpack_from("=I", data, 1036)[0] == 6 and data[1040:] == b"hostql"


def test_rule_round_trips_through_its_bytes() -> None:
    assert decode_rule(encode_rule(EXEC_RULE)) == EXEC_RULE
    assert EXEC_RULE.key() == "hostql" and EXEC_RULE.field_value(AUDIT_PID) == 4242
    with pytest.raises(ValueError):
        decode_rule(b"\0" * 100)
    with pytest.raises(ValueError):
        encode_rule(AuditRule(frozenset({5000})))


def test_rule_describes_itself_as_auditctl_would() -> None:
    names = {59: "execve", 322: "execveat"}
    assert EXEC_RULE.describe(names) == (
        "-a always,exit -F arch=b64 -S execve,execveat -F pid!=4242 -k hostql"
    )


def test_messages_are_padded_and_split() -> None:
    request = encode_message(AUDIT_GET, b"abc", 7, NLM_F_REQUEST | NLM_F_ACK)
    assert len(request) == 20 and struct.unpack_from("=IHHII", request) == (19, 1000, 5, 7, 0)
    ack = struct.pack("=IHHII", 36, NLMSG_ERROR, 0, 7, 0) + struct.pack("=i", 0) + b"\0" * 16
    err = struct.pack("=IHHII", 36, NLMSG_ERROR, 0, 8, 0) + struct.pack("=i", -17) + b"\0" * 16
    done = struct.pack("=IHHII", 16, NLMSG_DONE, 2, 9, 0)
    messages = decode_messages(ack + err + done)
    assert [(kind, seq) for kind, _, seq, _ in messages] == [(2, 7), (2, 8), (3, 9)]
    assert decode_error(messages[0][3]) == 0 and decode_error(messages[1][3]) == errno.EEXIST


def test_record_is_the_whole_datagram_whatever_its_header_says() -> None:
    text = b'audit(1700000000.123:42): argc=2 a0="ls" a1="-l"'
    datagram = struct.pack("=IHHII", 16, 1309, 0, 0, 0) + text + b"\0"
    assert decode_record(datagram) == (1309, text.decode())


def test_process_name_of_a_gone_pid_is_a_question_mark() -> None:
    assert process_name(os.getpid()) != "?"
    assert process_name(2**22 + 17) == "?"


# Live audit tests and the exec-storm benchmark change machine-wide kernel state: runs on
# the same machine (two test sessions) take turns through this lock.
AUDIT_LOCK = "/tmp/hostql-audit-tests.lock"


@contextmanager
def audit_lock(timeout: float = 300.0) -> Iterator[bool]:
    """Hold the machine-wide audit test lock (yields False if it was not free in time)."""
    with open(AUDIT_LOCK, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.2)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _audit_available() -> str:
    if os.geteuid() != 0:
        return "needs root"
    try:
        AuditSocket().close()
    except OSError as exc:
        return f"no kernel audit support: {exc}"
    return ""


@pytest.fixture
def control() -> Iterator[AuditSocket]:
    """A control socket; the rules and settings tests change are put back afterwards."""
    reason = _audit_available()
    if reason:
        pytest.skip(reason)
    with audit_lock() as locked:
        if not locked:
            pytest.skip("another run holds the audit test lock")
        yield from _guarded()


def _guarded() -> Iterator[AuditSocket]:
    sock = AuditSocket()
    before, rules = sock.status(), sock.list_rules()
    try:
        yield sock
    finally:
        for rule in sock.list_rules():
            if rule not in rules:
                sock.delete_rule(rule)
        if sock.status().pid == os.getpid():
            sock.set_status(pid=0)
        sock.set_status(enabled=before.enabled, backlog_limit=before.backlog_limit)
        after = sock.status()
        assert (after.enabled, after.backlog_limit, after.pid) == (
            before.enabled,
            before.backlog_limit,
            before.pid if before.pid != os.getpid() else 0,
        )
        assert sock.list_rules() == rules
        sock.close()


@pytest.mark.live
def test_live_rule_is_listed_by_auditctl_and_removed(control: AuditSocket) -> None:
    rule = AuditRule(
        frozenset({59}),
        (
            RuleField(AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64),
            RuleField(AUDIT_FILTERKEY, AUDIT_EQUAL, "hostql-test"),
        ),
    )
    control.add_rule(rule)
    assert rule in control.list_rules()
    with pytest.raises(AuditNetlinkError) as exists:
        control.add_rule(rule)
    assert exists.value.errno == errno.EEXIST
    listed = subprocess.run(["auditctl", "-l"], capture_output=True, text=True, check=False)
    if listed.returncode == 0:
        assert "-S execve" in listed.stdout and "hostql-test" in listed.stdout
    control.delete_rule(rule)
    assert rule not in control.list_rules()
    with pytest.raises(AuditNetlinkError) as missing:
        control.delete_rule(rule)
    assert missing.value.errno == errno.ENOENT


@pytest.mark.live
def test_live_claim_receives_records_and_releases(control: AuditSocket) -> None:
    if control.status().pid not in (0, os.getpid()):
        pytest.skip("another process owns the audit pid")
    stream = AuditSocket()
    try:
        stream.set_receive_buffer(8 << 20)
        stream.claim()
        assert control.status().pid == os.getpid()
        control.set_status(enabled=1)
        rule = AuditRule(
            frozenset({59}),
            (
                RuleField(AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64),
                RuleField(AUDIT_FILTERKEY, AUDIT_EQUAL, "hostql-test"),
            ),
        )
        control.add_rule(rule)
        subprocess.run(["/bin/true", "hostql-claim-marker"], check=True)
        seen: list[tuple[int, str]] = []
        for _ in range(20):
            records, _overruns = stream.receive(0.25)
            seen += records
            if any("hostql-claim-marker" in text for _, text in seen):
                break
        assert any(kind == 1309 and "hostql-claim-marker" in text for kind, text in seen)
        assert AUDIT_ADD_RULE not in {kind for kind, _ in seen}
        control.set_status(pid=0)
        assert control.status().pid == 0
    finally:
        stream.close()


@pytest.mark.live
def test_live_set_status_errors_carry_errno(control: AuditSocket) -> None:
    with pytest.raises(AuditNetlinkError) as error:
        control.request(AUDIT_SET, encode_status(pid=1))  # not our pid: the kernel refuses
    assert error.value.errno in (errno.EINVAL, errno.EEXIST, errno.EPERM)
