"""socket_events rows from recorded audit records: bind/connect/accept, statuses, families."""

from __future__ import annotations

from typing import Any

from hostql.events.audit_records import AuditAssembler, AuditEvent, record_filter
from hostql.events.publishers.audit_rules import syscall_names
from hostql.flags import FlagValues, default_values
from hostql.host.audit_netlink import AUDIT_ARCH_X86_64
from hostql.tables.events.socket_events import SocketEventsSubscriber, socket_rows

NAMES = syscall_names(AUDIT_ARCH_X86_64)
IDS = "auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0"
SERIAL = iter(range(1000, 100000))


def call(number: int, saddr: str, success: str = "yes", exit_code: int = 0) -> list[Any]:
    head = f"audit(1795715101.816:{next(SERIAL)}):"
    return [
        (
            1300,
            f"{head} arch=c000003e syscall={number} success={success} exit={exit_code} a0=1f "
            f'a1=7ffc22a58dc0 a2=10 items=0 ppid=1 pid=23738 {IDS} comm="python3" '
            'exe="/usr/bin/python3.11" key="hostql"',
        ),
        (1306, f"{head} saddr={saddr}"),
        (1320, head),
    ]


def flags(**overrides: Any) -> FlagValues:
    values = default_values()
    values.set("audit_allow_sockets", True)
    for name, value in overrides.items():
        values.set(name, value)
    return values


def rows(records: list[Any], values: FlagValues) -> list[dict[str, Any]]:
    wanted = record_filter(selinux=False, apparmor=False, seccomp=False)
    events: list[AuditEvent] = AuditAssembler(wanted, allowed_to_fail={42, 43, 288}).feed(records)
    return socket_rows(events, NAMES, 9, values)


IPV4 = "020000507F0000010000000000000000"  # 127.0.0.1:80
IPV6 = "0A001F90000000000000000000000000000000000000000100000000"  # [::1]:8080
UNIX = "01002F72756E2F782E736F636B00"  # /run/x.sock


def test_bind_fills_the_local_side() -> None:
    (row,) = rows(call(49, IPV4), flags())
    assert row == {
        "action": "bind",
        "status": "succeeded",
        "success": 1,
        "auid": 1000,
        "pid": 23738,
        "fd": "1f",
        "path": "/usr/bin/python3.11",
        "uptime": 9,
        "protocol": 0,
        "family": 2,
        "local_address": "127.0.0.1",
        "local_port": 80,
        "remote_address": "0",
        "remote_port": 0,
    }


def test_connect_and_accept_fill_the_remote_side() -> None:
    connect, accept = rows(call(42, IPV6) + call(288, IPV4), flags())
    assert (connect["action"], connect["family"], connect["remote_port"]) == ("connect", 10, 8080)
    assert connect["remote_address"] == "0000:0000:0000:0000:0000:0000:0000:0001"
    assert (connect["local_address"], connect["local_port"]) == ("0", 0)
    assert (accept["action"], accept["remote_address"]) == ("accept", "127.0.0.1")
    assert rows(call(43, IPV4), flags(audit_allow_accept_socket_events=False)) == []


def test_failures_need_their_flags() -> None:
    refused = call(42, IPV4, "no", -111)
    in_progress = call(42, IPV4, "no", -115)
    null_accept = call(43, IPV4, "no", -11)
    assert [r["status"] for r in rows(refused + in_progress + null_accept, flags())] == [
        "in_progress"
    ]
    both = flags(audit_allow_failed_socket_events=True, audit_allow_null_accept_socket_events=True)
    found = rows(refused + in_progress + null_accept, both)
    assert [(r["status"], r["success"]) for r in found] == [
        ("failed", 0),
        ("in_progress", 1),
        ("no_client", 1),
    ]


def test_unix_sockets_only_with_audit_allow_unix_and_netlink_never() -> None:
    assert rows(call(49, UNIX), flags()) == []
    (row,) = rows(call(49, UNIX), flags(audit_allow_unix=True))
    assert (row["family"], row["socket"], row["local_port"]) == (1, "/run/x.sock", 0)
    assert "local_address" not in row
    assert rows(call(49, "10000000000000000000"), flags(audit_allow_unix=True)) == []
    assert rows(call(49, "11"), flags()) == []  # too short to hold a family


def test_subscriber_refuses_without_audit_allow_sockets() -> None:
    values = default_values()
    subscriber = SocketEventsSubscriber(values)
    assert subscriber.refusal() == "Subscriber disabled via configuration"
    values.set("audit_allow_sockets", True)
    assert subscriber.refusal() == ""
