"""lxd_networks: networks with their state counters."""

from __future__ import annotations

from hostql.tables.containers.lxd_networks import lxd_networks


def test_networks(lxd, query) -> None:
    rows, warnings = query(lxd_networks, flags=lxd.flags)
    assert rows == [
        {
            "name": "lxdbr0",
            "type": "bridge",
            "managed": 1,
            "ipv4_address": "10.58.42.1/24",
            "ipv6_address": "fd42:5d1b:9f0e:6c1a::1/64",
            # Instance URLs lose their prefix; other users stay whole.
            "used_by": "web1,legacy,/1.0/profiles/default",
            "bytes_received": 1048576,
            "bytes_sent": 2097152,
            "packets_received": 8123,
            "packets_sent": 9001,
            "hwaddr": "00:16:3e:5a:1b:2c",
            "state": "up",
            "mtu": 1500,
        },
        {
            "name": "eth0",
            "type": "physical",
            "managed": 0,
            "ipv4_address": "",
            "ipv6_address": "",
            "used_by": "",
            "bytes_received": 9876543210,
            "bytes_sent": 123456789,
            "packets_received": 7000000,
            "packets_sent": 900000,
            "hwaddr": "52:54:00:12:34:56",
            "state": "up",
            "mtu": 9000,
        },
    ]
    assert warnings == []
    assert lxd.paths() == [
        "/1.0/networks?recursion=1",
        "/1.0/networks/lxdbr0/state",
        "/1.0/networks/eth0/state",
    ]


def test_state_is_read_only_when_used(lxd, query) -> None:
    rows, _ = query(lxd_networks, flags=lxd.flags, columns="name, managed")
    assert rows == [{"name": "lxdbr0", "managed": 1}, {"name": "eth0", "managed": 0}]
    assert lxd.paths() == ["/1.0/networks?recursion=1"]
