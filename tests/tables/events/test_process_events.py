"""process_events rows from recorded audit records: exec, fork/clone, kill, file times."""

from __future__ import annotations

import os
from typing import Any

import pytest

from hostql.events.audit_records import AuditAssembler, AuditEvent, record_filter
from hostql.events.publishers.audit_rules import syscall_names
from hostql.flags import default_values
from hostql.host.audit_netlink import AUDIT_ARCH_X86_64
from hostql.tables.events.process_events import (
    ProcessEventsSubscriber,
    add_file_times,
    process_rows,
)

NAMES = syscall_names(AUDIT_ARCH_X86_64)
IDS = "auid=1000 uid=1001 gid=1002 euid=1003 suid=1004 fsuid=1005 egid=1006 sgid=1007 fsgid=1008"


def syscall(serial: int, number: int, extra: str, success: str = "yes") -> tuple[int, str]:
    return (
        1300,
        f"audit(1795715101.676:{serial}): arch=c000003e syscall={number} success={success} "
        f'{extra} items=2 ppid=23730 pid=23736 {IDS} tty=(none) ses=4 comm="echo" '
        'exe="/usr/bin/echo" key="hostql"',
    )


def execve(serial: int = 503, success: str = "yes") -> list[tuple[int, str]]:
    head = f"audit(1795715101.676:{serial}):"
    args = " ".join(f'a{i}="{i - 2}"' for i in range(3, 14))
    return [
        syscall(serial, 59, "exit=0 a0=55f7f7b02948 a1=55f7f7b05400", success),
        (1321, f"{head} fver=0 fp=0 fi=0 fe=0 old_pp=000001fffeffffff"),
        (1309, f'{head} argc=14 a0="/bin/echo" a1=612062 a2="x" {args}'),
        (1307, f"{head} cwd=2F746D702F6120646972"),
        (1302, f'{head} item=0 name="/bin/echo" inode=260249 dev=fe:00 mode=0100755 ouid=0 ogid=4'),
        (1302, f'{head} item=1 name="/lib64/ld-linux-x86-64.so.2" inode=338944 mode=0100755'),
        (1327, f"{head} proctitle=2F62696E2F6563686F"),
        (1320, f"{head} "),
    ]


def events(records: list[tuple[int, str]]) -> list[AuditEvent]:
    return AuditAssembler(record_filter(selinux=False, apparmor=False, seccomp=False)).feed(records)


def no_stat(path: str) -> Any:
    raise FileNotFoundError(path)


def test_exec_row_has_argv_in_order_cwd_owner_and_ids() -> None:
    (row,) = process_rows(events(execve()), NAMES, 77, no_stat)
    assert row["cmdline"] == "/bin/echo a b x 1 2 3 4 5 6 7 8 9 10 11"
    assert row["cmdline_size"] == len(row["cmdline"])
    assert row["cwd"] == "/tmp/a dir"
    assert (row["path"], row["mode"], row["owner_uid"], row["owner_gid"]) == (
        "/usr/bin/echo",
        "0100755",
        0,
        4,
    )
    assert (row["pid"], row["parent"], row["syscall"], row["uptime"]) == (
        23736,
        23730,
        "execve",
        77,
    )
    ids = [row[k] for k in ("auid", "uid", "gid", "euid", "suid", "fsuid", "egid", "sgid", "fsgid")]
    assert ids == [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008]
    assert (row["env"], row["env_count"], row["env_size"], row["overflows"]) == ("", 0, 0, "")
    assert (row["atime"], row["mtime"], row["ctime"]) == (0, 0, 0) and "btime" not in row


def test_failed_or_incomplete_execs_yield_nothing() -> None:
    assert process_rows(events(execve(success="no")), NAMES, 1, no_stat) == []
    without_cwd = [r for r in execve() if r[0] != 1307]
    assert process_rows(events(without_cwd), NAMES, 1, no_stat) == []


def fork_like(number: int, a0: str, exit_code: int = 4242) -> list[tuple[int, str]]:
    head = "audit(1795715101.676:900):"
    return [syscall(900, number, f"exit={exit_code} a0={a0}"), (1320, head)]


def test_fork_and_clone_rows_name_the_child() -> None:
    (fork,) = process_rows(events(fork_like(57, "0")), NAMES, 1, no_stat)
    assert (fork["syscall"], fork["pid"], fork["parent"]) == ("fork", 4242, 23736)
    assert (fork["owner_uid"], fork["owner_gid"]) == (0, 0) and "cmdline" not in fork
    (clone,) = process_rows(events(fork_like(56, "1200011")), NAMES, 1, no_stat)
    assert (clone["pid"], clone["parent"]) == (4242, 23736)
    (adopted,) = process_rows(events(fork_like(56, "8000")), NAMES, 1, no_stat)  # CLONE_PARENT
    assert adopted["parent"] == 23730
    assert process_rows(events(fork_like(56, "3d0f00")), NAMES, 1, no_stat) == []  # a thread


def test_kill_row_is_the_sender() -> None:
    (kill,) = process_rows(events(fork_like(62, "5cb9", 0)), NAMES, 1, no_stat)
    assert (kill["syscall"], kill["pid"], kill["parent"]) == ("kill", 23736, 23730)


def test_other_syscalls_are_not_process_events() -> None:
    assert process_rows(events(fork_like(42, "3", 0)), NAMES, 1, no_stat) == []


def test_file_times_come_from_the_executable(tmp_path: Any) -> None:
    exe = tmp_path / "tool"
    exe.write_text("#!/bin/sh\n")
    os.chmod(exe, 0o4750)
    os.utime(exe, (1000, 2000))
    row = add_file_times({"path": str(exe), "mode": ""})
    assert (row["mode"], row["atime"], row["mtime"], row["btime"]) == ("4750", 1000, 2000, 0)
    assert row["ctime"] > 0
    assert add_file_times({"path": str(exe), "mode": "0100755"})["mode"] == "0100755"


def test_subscriber_refuses_without_its_flag() -> None:
    values = default_values()
    subscriber = ProcessEventsSubscriber(values)
    assert subscriber.refusal() == ""
    assert len(subscriber.rows({"audit_events": events(execve())})) == 1
    values.set("audit_allow_process_events", False)
    assert subscriber.refusal() == "Subscriber disabled via configuration"
    assert subscriber.rows({"audit_events": events(execve())}) == []


@pytest.mark.parametrize("number", [59, 322])
def test_execveat_is_an_exec_too(number: int) -> None:
    records = execve()
    records[0] = (1300, records[0][1].replace("syscall=59", f"syscall={number}"))
    (row,) = process_rows(events(records), NAMES, 1, no_stat)
    assert row["syscall"] == NAMES[number]
