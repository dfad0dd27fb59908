"""Audit records: field tokenising, value decoding, grouping until EOE, argv and sockaddrs."""

from __future__ import annotations

from hostql.events.audit_records import (
    AuditAssembler,
    decode_sockaddr,
    decode_value,
    execve_arguments,
    parse_fields,
    parse_record,
    record_filter,
    strip_quotes,
)

ALL = record_filter(selinux=True, apparmor=True, seccomp=True)
IDS = "auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000"


def syscall(serial: int, number: int = 59, *, success: str = "yes", pid: int = 7841) -> str:
    return (
        f"audit(1502125323.756:{serial}): arch=c000003e syscall={number} success={success} "
        f"exit=0 a0=23eb8e0 a1=23ebbc0 items=2 ppid=6882 pid={pid} {IDS} tty=pts1 ses=2 "
        'comm="sh" exe="/usr/bin/bash" key=(null)'
    )


def exec_records(serial: int = 6) -> list[tuple[int, str]]:
    head = f"audit(1502125323.756:{serial}):"
    return [
        (1300, syscall(serial)),
        (1309, f'{head} argc=1 a0="sh"'),
        (1307, f'{head} cwd="/home/alessandro"'),
        (1302, f'{head} item=0 name="/usr/bin/sh" inode=18867 mode=0100755 ouid=0 ogid=0'),
        (1320, f"{head} "),
    ]


def test_fields_keep_quotes_and_first_duplicate_wins() -> None:
    fields = parse_fields('a=1 exe="/usr/bin/x" a=2 key=(null)  empty= b=x=y')
    assert fields == {"a": "1", "exe": '"/usr/bin/x"', "key": "(null)", "empty": "", "b": "x=y"}


def test_user_message_msg_is_cut_at_its_first_space_as_osquery_does() -> None:
    body = (
        "pid=2637 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:session_open "
        'grantors=pam_unix acct="root" exe="/usr/bin/su" hostname=? addr=? terminal=pts/0 '
        "res=success'"
    )
    fields = parse_fields(body)
    assert fields["msg"] == "'op=PAM:session_open"
    assert fields["exe"] == '"/usr/bin/su"' and fields["terminal"] == "pts/0"
    assert fields["res"] == "success'" and fields["uid"] == "0"


def test_values_decode_quoted_hex_or_verbatim() -> None:
    assert decode_value('"/usr/bin/bash"') == "/usr/bin/bash"
    assert decode_value("2F746D702F6120622E7368") == "/tmp/a b.sh"
    assert decode_value("(null)") == "(null)"
    assert decode_value("?") == "?"
    assert decode_value("abc") == "abc"
    assert decode_value("zz") == "zz"
    assert strip_quotes('"x"') == "x" and strip_quotes('""') == '""'


def test_record_preamble_gives_id_time_and_body() -> None:
    record = parse_record(1307, 'audit(1502125323.756:6):  cwd="/root"')
    assert record is not None
    assert (record.audit_id, record.time) == ("1502125323.756:6", 1502125323)
    assert record.fields == {"cwd": '"/root"'}
    eoe = parse_record(1320, "audit(1502125323.756:6):")
    assert eoe is not None and eoe.audit_id == "1502125323.756:6" and eoe.fields == {}
    assert parse_record(1300, "no preamble here") is None


def test_records_group_by_event_id_until_eoe() -> None:
    assembler = AuditAssembler(ALL)
    first, second = exec_records(6), exec_records(7)
    interleaved = [first[0], second[0], first[1], second[1], *first[2:], *second[2:4]]
    events = assembler.feed(interleaved)
    assert [e.records[0].audit_id for e in events] == ["1502125323.756:6"]
    assert [r.type for r in events[0].records] == [1300, 1309, 1307, 1302]
    assert events[0].syscall == 59 and events[0].executable == "/usr/bin/bash"
    assert assembler.feed([second[4]])[0].records[0].audit_id == "1502125323.756:7"
    assert not assembler.pending


def test_failed_syscalls_are_dropped_unless_allowed_to_fail() -> None:
    failed = [(1300, syscall(1, 42, success="no")), (1320, "audit(1502125323.756:1): ")]
    assert AuditAssembler(ALL).feed(failed) == []
    events = AuditAssembler(ALL, allowed_to_fail={42}).feed(failed)
    assert len(events) == 1 and not events[0].success


def test_own_pid_and_malformed_syscalls_are_dropped() -> None:
    mine = [(1300, syscall(1, pid=99)), (1320, "audit(1502125323.756:1): ")]
    assert AuditAssembler(ALL, ignored_pid=99).feed(mine) == []
    broken = syscall(2).replace("euid=1000 ", "")
    assembler = AuditAssembler(ALL)
    assert assembler.feed([(1300, broken), (1320, "audit(1502125323.756:2): ")]) == []
    assert assembler.malformed == 1
    assert assembler.feed([(1300, "garbage")]) == [] and assembler.malformed == 2


def test_standalone_records_are_classified() -> None:
    records = [
        (1112, "audit(1.0:1): pid=1 uid=0 auid=0 msg='op=login res=success'"),
        (1400, 'audit(1.0:2): avc:  denied  { read } for  pid=5 comm="cat" scontext=x'),
        (1400, 'audit(1.0:3): apparmor="DENIED" operation="open" profile="p" name="/etc/x"'),
        (1326, "audit(1.0:4): auid=0 uid=0 gid=0 ses=1 pid=9 comm=x sig=0 arch=c000003e"),
        (1305, "audit(1.0:5): op=add_rule key=(null) list=4 res=1"),
        (1000, "audit(1.0:6): status"),
        (1302, "audit(1.0:7): item=0 name=orphan"),
    ]
    kinds = [event.kind for event in AuditAssembler(ALL).feed(records)]
    assert kinds == ["user", "selinux", "apparmor", "seccomp"]


def test_record_filter_follows_the_table_flags() -> None:
    only_apparmor = record_filter(selinux=False, apparmor=True, seccomp=False)
    assert only_apparmor(1400, 'audit(1.0:1): apparmor="DENIED"')
    assert not only_apparmor(1400, "audit(1.0:1): avc: denied")
    assert not only_apparmor(1107, "audit(1.0:1): USER_AVC is SELinux-gated, as osquery")
    assert not only_apparmor(1326, "audit(1.0:1): seccomp")
    assert only_apparmor(1300, "syscall") and only_apparmor(1105, "user message")
    assert not only_apparmor(1201, "daemon") and not only_apparmor(1305, "config change")


def test_events_without_eoe_expire_after_five_minutes() -> None:
    assembler = AuditAssembler(ALL)
    assembler.feed([(1300, syscall(1))])
    assert assembler.expire(1502125323 + 299) == 0
    assert assembler.expire(1502125323 + 300) == 1 and not assembler.pending


def test_argv_keeps_order_decodes_hex_and_joins_chunks() -> None:
    head = "audit(1.0:1):"
    many = " ".join(f'a{i}="{i}"' for i in range(1, 12))
    records = [
        (1300, syscall(1).replace("audit(1502125323.756:1)", "audit(1.0:1)")),
        (1309, f'{head} argc=14 a0="/bin/echo" {many} a12=612062 a13_len=6 a13[0]="abc"'),
        (1309, f"{head} a13[1]=646566"),
        (1320, head),
    ]
    event = AuditAssembler(ALL).feed(records)[0]
    assert execve_arguments(event) == [
        "/bin/echo",
        *[str(i) for i in range(1, 12)],
        "a b",
        "abcdef",
    ]


def test_sockaddrs_decode_ipv4_ipv6_and_unix() -> None:
    assert decode_sockaddr("0200BC457F0000010000000000000000") == {
        "family": "2",
        "port": "48197",
        "address": "127.0.0.1",
    }
    assert decode_sockaddr("0A001F90000000000000000000000000000000000000000100000000") == {
        "family": "10",
        "port": "8080",
        "address": "0000:0000:0000:0000:0000:0000:0000:0001",
    }
    unix = decode_sockaddr("01002F746D702F66696D6469722F752E736F636B00")
    assert unix == {"family": "1", "socket": "/tmp/fimdir/u.sock"}
    assert decode_sockaddr("0100006162") == {"family": "1", "socket": "ab"}  # abstract
    assert decode_sockaddr("10000000") is None
