"""user_events rows from recorded userspace audit messages (PAM, logins)."""

from __future__ import annotations

from hostql.events.audit_records import AuditAssembler, record_filter
from hostql.tables.events.user_events import user_rows

START = (
    "audit(1795716000.120:812): pid=4211 uid=0 auid=1000 ses=3 subj=unconfined "
    'msg=\'op=PAM:session_open grantors=pam_keyinit,pam_limits acct="nobody" '
    'exe="/usr/bin/su" hostname=? addr=10.0.0.5 terminal=pts/1 res=success\''
)
HEX_EXE = (
    "audit(1795716000.130:813): pid=1 uid=0 auid=4294967295 ses=4294967295 "
    "msg='x exe=2F746D702F6120622F7375 res=success'"
)


def test_user_message_row() -> None:
    assembler = AuditAssembler(record_filter(selinux=False, apparmor=False, seccomp=False))
    events = assembler.feed([(1105, START), (1106, HEX_EXE)])
    start, hexed = user_rows(events, 12)
    assert start == {
        "uptime": 12,
        "type": 1105,
        "uid": 0,
        "pid": 4211,
        "auid": 1000,
        "terminal": "pts/1",
        "address": "10.0.0.5",
        "path": "/usr/bin/su",
        "message": "op=PAM:session_open",
    }
    assert hexed["path"] == "/tmp/a b/su" and hexed["message"] == "x"
    assert hexed["auid"] == 4294967295


def test_missing_fields_are_null_or_empty() -> None:
    assembler = AuditAssembler(record_filter(selinux=False, apparmor=False, seccomp=False))
    (row,) = user_rows(assembler.feed([(1100, "audit(1.0:1): msg='")]), 0)
    assert (row["uid"], row["pid"], row["terminal"], row["path"]) == (None, None, "", "")
    assert "message" not in row
