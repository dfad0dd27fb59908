"""lxd_storage_pools: pools with their space and inode usage."""

from __future__ import annotations

from hostql.tables.containers.lxd_storage_pools import lxd_storage_pools


def test_pools(lxd, query) -> None:
    rows, warnings = query(lxd_storage_pools, flags=lxd.flags)
    assert rows == [
        {
            "name": "default",
            "driver": "zfs",
            "source": "/var/snap/lxd/common/lxd/disks/default.img",
            "size": "30GiB",
            "space_used": 1572864000,
            "space_total": 31138512896,
            "inodes_used": 81455,
            "inodes_total": 60021484,
        },
        {
            "name": "fast",
            "driver": "dir",
            "source": "/srv/lxd",
            "size": "",
            "space_used": 10737418240,
            "space_total": 52521566208,
            "inodes_used": 40960,
            "inodes_total": 3276800,
        },
    ]
    assert warnings == []
    assert lxd.paths() == [
        "/1.0/storage-pools?recursion=1",
        "/1.0/storage-pools/default/resources",
        "/1.0/storage-pools/fast/resources",
    ]


def test_resources_are_read_only_when_used(lxd, query) -> None:
    rows, _ = query(lxd_storage_pools, flags=lxd.flags, columns="name, driver")
    assert rows == [{"name": "default", "driver": "zfs"}, {"name": "fast", "driver": "dir"}]
    assert lxd.paths() == ["/1.0/storage-pools?recursion=1"]
