"""lxd_cluster: GET /1.0/cluster as one row."""

from __future__ import annotations

from hostql.tables.containers.lxd_cluster import lxd_cluster


def test_one_row_keeps_the_last_member_config_entry(lxd, query) -> None:
    rows, warnings = query(lxd_cluster, flags=lxd.flags)
    assert rows == [
        {
            "server_name": "node1",
            "enabled": 1,
            "member_config_entity": "network",
            "member_config_name": "lxdfan0",
            "member_config_key": "bridge.external_interfaces",
            "member_config_value": "",
            "member_config_description": '"bridge.external_interfaces" property for network '
            '"lxdfan0"',
        }
    ]
    assert warnings == []


def test_a_standalone_server(lxd, query) -> None:
    lxd.answer(
        "/1.0/cluster",
        body=b'{"type": "sync", "metadata": {"server_name": "", "enabled": false, '
        b'"member_config": null}}',
    )
    rows, _ = query(lxd_cluster, flags=lxd.flags, columns="server_name, enabled, member_config_key")
    assert rows == [{"server_name": "", "enabled": 0, "member_config_key": None}]
