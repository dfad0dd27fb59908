"""lxd_instance_devices: the expanded devices of queried instances, one row per setting."""

from __future__ import annotations

from hostql.tables.containers.lxd_instance_devices import lxd_instance_devices


def test_devices_of_one_instance(lxd, query) -> None:
    rows, warnings = query(lxd_instance_devices, "name = 'web1'", flags=lxd.flags)
    web1 = {"name": "web1"}
    assert rows == [
        web1 | {"device": "eth0", "device_type": "nic", "key": "name", "value": "eth0"},
        web1 | {"device": "eth0", "device_type": "nic", "key": "network", "value": "lxdbr0"},
        web1
        | {"device": "proxy-http", "device_type": "proxy", "key": "connect"}
        | {"value": "tcp:127.0.0.1:80"},
        web1
        | {"device": "proxy-http", "device_type": "proxy", "key": "listen"}
        | {"value": "tcp:0.0.0.0:8080"},
        web1 | {"device": "root", "device_type": "disk", "key": "path", "value": "/"},
        web1 | {"device": "root", "device_type": "disk", "key": "pool", "value": "default"},
    ]
    assert warnings == []
    assert lxd.paths() == ["/1.0/instances/web1"]


def test_an_unknown_instance_has_no_devices(lxd, query) -> None:
    assert query(lxd_instance_devices, "name = 'hello'", flags=lxd.flags) == ([], [])
