"""selinux_events rows: one per SELinux record, labelled, with the raw text."""

from __future__ import annotations

from hostql.events.audit_records import AuditAssembler, record_filter
from hostql.tables.events.selinux_events import selinux_rows

AVC = (
    'audit(1795716000.5:90): avc:  denied  { read } for  pid=812 comm="cat" '
    'name="shadow" dev="vda1" ino=1234 scontext=u:r:t:s0 tcontext=u:o:shadow_t:s0 tclass=file'
)


def test_selinux_records_become_rows_only_when_allowed() -> None:
    records = [(1400, AVC), (1404, "audit(1795716000.5:91): enforcing=1 old_enforcing=0")]
    assert (
        AuditAssembler(record_filter(selinux=False, apparmor=True, seccomp=False)).feed(records)
        == []
    )
    events = AuditAssembler(record_filter(selinux=True, apparmor=False, seccomp=False)).feed(
        records
    )
    assert selinux_rows(events, 3) == [
        {"type": "AVC", "message": AVC, "uptime": 3},
        {"type": "MAC_STATUS", "message": records[1][1], "uptime": 3},
    ]
