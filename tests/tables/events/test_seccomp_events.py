"""seccomp_events rows: SECCOMP records with arch, syscall and action named."""

from __future__ import annotations

from hostql.events.audit_records import AuditAssembler, record_filter
from hostql.tables.events.seccomp_events import seccomp_rows

KILLED = (
    "audit(1795716000.9:99): auid=65876 uid=0 gid=0 ses=12684 pid=18204 "
    'comm="qemu-system-x86" exe="/usr/bin/qemu-system-x86_64" sig=0 arch=c000003e '
    "syscall=271 compat=0 ip=0x7f6ba2cdd811 code=0x7ffc0000"
)


def test_seccomp_row_names_arch_syscall_and_action() -> None:
    events = AuditAssembler(record_filter(selinux=False, apparmor=False, seccomp=True)).feed(
        [(1326, KILLED), (1326, KILLED.replace("code=0x7ffc0000", "code=0x50001"))]
    )
    logged, errno_row = seccomp_rows(events, 6)
    assert logged == {
        "auid": 65876,
        "uid": 0,
        "gid": 0,
        "ses": 12684,
        "pid": 18204,
        "sig": 0,
        "compat": 0,
        "uptime": 6,
        "comm": "qemu-system-x86",
        "exe": "/usr/bin/qemu-system-x86_64",
        "ip": "0x7f6ba2cdd811",
        "arch": "X86_64",
        "syscall": "ppoll",
        "code": "LOG",
    }
    assert errno_row["code"] == "ERRNO"


def test_other_arches_keep_numbers() -> None:
    record = KILLED.replace("arch=c000003e", "arch=40000003").replace("syscall=271", "syscall=5")
    events = AuditAssembler(record_filter(selinux=False, apparmor=False, seccomp=True)).feed(
        [(1326, record.replace("code=0x7ffc0000", "code=0x12345678"))]
    )
    (row,) = seccomp_rows(events, 0)
    assert (row["arch"], row["syscall"]) == ("I386", "5")
    assert row["code"] == f"{0x12345678}(unknown)"
