"""apparmor_events rows: AVC records carrying an apparmor field, with its fields parsed."""

from __future__ import annotations

from hostql.events.audit_records import AuditAssembler, record_filter
from hostql.tables.events.apparmor_events import apparmor_rows

DENIED = (
    'audit(1795716000.7:95): apparmor="DENIED" operation="open" profile="/usr/bin/evince" '
    'name="/etc/shadow" pid=5005 comm="evince" requested_mask="r" denied_mask="r" '
    "fsuid=1000 ouid=0"
)


def test_apparmor_denial_row() -> None:
    wanted = record_filter(selinux=True, apparmor=True, seccomp=False)
    events = AuditAssembler(wanted).feed([(1400, DENIED)])
    (row,) = apparmor_rows(events, 4)
    assert row["type"] == "AA" and row["message"] == DENIED and row["uptime"] == 4
    assert (row["apparmor"], row["operation"], row["profile"]) == (
        "DENIED",
        "open",
        "/usr/bin/evince",
    )
    assert (row["name"], row["comm"], row["requested_mask"], row["denied_mask"]) == (
        "/etc/shadow",
        "evince",
        "r",
        "r",
    )
    assert (row["pid"], row["fsuid"], row["ouid"], row["parent"], row["capability"]) == (
        5005,
        1000,
        0,
        0,
        0,
    )
    assert row["capname"] == "" and row["label"] == ""


def test_apparmor_records_need_their_flag() -> None:
    wanted = record_filter(selinux=True, apparmor=False, seccomp=False)
    assert AuditAssembler(wanted).feed([(1400, DENIED)]) == []
