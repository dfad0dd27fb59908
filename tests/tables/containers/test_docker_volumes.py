"""docker_volumes: GET /volumes, name pushdown."""

from __future__ import annotations

from hostql.tables.containers.docker_volumes import docker_volumes

ANONYMOUS = "47a99570362f1d348e4a2f7987faaa9d9e624658de2aac4664d4cc02828171ba"


def test_volumes(docker, query) -> None:
    rows, warnings = query(docker_volumes, flags=docker.flags)
    assert rows == [
        {
            "name": "shop_static",
            "driver": "local",
            "mount_point": "/var/lib/docker/volumes/shop_static/_data",
            "type": "",
        },
        {
            "name": ANONYMOUS,
            "driver": "local",
            "mount_point": f"/var/lib/docker/volumes/{ANONYMOUS}/_data",
            "type": "",
        },
        {
            "name": "nfs_backup",
            "driver": "local",
            "mount_point": "/var/lib/docker/volumes/nfs_backup/_data",
            "type": "nfs",
        },
    ]
    assert warnings == []
    assert docker.paths() == ["/volumes"]


def test_name_pushdown_keeps_exact_names_only(docker, query) -> None:
    # Docker's name filter matches substrings ("backup" finds "nfs_backup"); SQLite keeps
    # only the exact name.
    rows, _ = query(docker_volumes, "name IN ('backup', 'nfs_backup')", flags=docker.flags)
    assert [r["name"] for r in rows] == ["nfs_backup"]
    assert docker.paths() == ['/volumes?filters={"name":{"backup":true,"nfs_backup":true}}']


def test_a_null_volume_list_is_empty(docker, query) -> None:
    docker.answer("/volumes", body=b'{"Volumes": null, "Warnings": null}')
    assert query(docker_volumes, flags=docker.flags) == ([], [])
