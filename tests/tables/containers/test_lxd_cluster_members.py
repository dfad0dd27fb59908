"""lxd_cluster_members: GET /1.0/cluster/members."""

from __future__ import annotations

from hostql.tables.containers.lxd_cluster_members import lxd_cluster_members


def test_members(lxd, query) -> None:
    rows, warnings = query(lxd_cluster_members, flags=lxd.flags)
    assert rows == [
        {
            "server_name": "node1",
            "url": "https://10.0.0.11:8443",
            "database": 1,
            "status": "Online",
            "message": "Fully operational",
        },
        {
            "server_name": "node2",
            "url": "https://10.0.0.12:8443",
            "database": 0,
            "status": "Offline",
            "message": "No heartbeat for 1m12s (2024-03-02 17:56:49 +0000 UTC)",
        },
    ]
    assert warnings == []


def test_a_server_outside_a_cluster_warns(lxd, query) -> None:
    body = b'{"type": "error", "error": "Server isn\'t part of a cluster", "error_code": 412}'
    lxd.answer("/1.0/cluster/members", 412, body)
    rows, warnings = query(lxd_cluster_members, flags=lxd.flags)
    assert rows == []
    assert warnings == [
        "LXD API GET /1.0/cluster/members?recursion=1: HTTP 412: Server isn't part of a cluster"
    ]
