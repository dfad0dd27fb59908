"""docker_container_mounts: the Mounts of each listed container."""

from __future__ import annotations

from hostql.tables.containers.docker_container_mounts import docker_container_mounts

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"
VOLUME = "47a99570362f1d348e4a2f7987faaa9d9e624658de2aac4664d4cc02828171ba"


def test_mounts_of_running_containers(docker, query) -> None:
    rows, warnings = query(docker_container_mounts, flags=docker.flags)
    assert rows == [
        {
            "id": WEB,
            "type": "bind",
            "name": "",
            "source": "/srv/shop/nginx.conf",
            "destination": "/etc/nginx/nginx.conf",
            "driver": "",
            "mode": "ro",
            "rw": 0,
            "propagation": "rprivate",
        },
        {
            "id": WEB,
            "type": "volume",
            "name": "shop_static",
            "source": "/var/lib/docker/volumes/shop_static/_data",
            "destination": "/usr/share/nginx/html",
            "driver": "local",
            "mode": "z",
            "rw": 1,
            "propagation": "",
        },
        {
            "id": DB,
            "type": "volume",
            "name": VOLUME,
            "source": f"/var/lib/docker/volumes/{VOLUME}/_data",
            "destination": "/var/lib/postgresql/data",
            "driver": "local",
            "mode": "",
            "rw": 1,
            "propagation": "",
        },
    ]
    assert warnings == []


def test_id_pushdown(docker, query) -> None:
    rows, _ = query(docker_container_mounts, "id = ?", DB, flags=docker.flags, columns="id, name")
    assert rows == [{"id": DB, "name": VOLUME}]
    assert docker.paths() == [f'/containers/json?all=1&filters={{"id":{{"{DB}":true}}}}']


def test_malformed_mount_entries_are_skipped(docker, query) -> None:
    body = (
        b'[{"Id": "ab12", "Mounts": ["junk", {"Type": "tmpfs", "Destination": "/run", '
        b'"RW": true}]}, "not a container", {"Id": "cd34", "Mounts": null}]'
    )
    docker.answer("/containers/json", body=body)
    rows, warnings = query(
        docker_container_mounts, flags=docker.flags, columns="id, type, destination, rw"
    )
    assert rows == [{"id": "ab12", "type": "tmpfs", "destination": "/run", "rw": 1}]
    assert warnings == ["Docker API GET /containers/json: skipped 1 bad entries"]
