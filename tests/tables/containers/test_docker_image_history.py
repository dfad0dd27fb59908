"""docker_image_history: GET /images/<id>/history for each image or queried id."""

from __future__ import annotations

from hostql.tables.containers.docker_image_history import docker_image_history

NGINX = "fed7e452f8e58ec579d2bd62e946a345e892bf0e634b7bd381a7331bcdd82190"
POSTGRES = "08b3d02d5cf16ae95627529acc656dbf0c11542cfc28b5e455d2c333b27c483b"
BUSYBOX = "4b0c46f071e43c53da8cc702867fa31192a331c7f8c3914135c8ea9497a9da92"


def test_history_of_one_image(docker, query) -> None:
    rows, warnings = query(docker_image_history, "id = ?", NGINX[:12], flags=docker.flags)
    assert rows == [
        {
            "id": NGINX[:12],
            "created": 1708041480,
            "size": 0,
            "created_by": 'CMD ["nginx" "-g" "daemon off;"]',
            "tags": "nginx:1.25,nginx:latest",
            "comment": "buildkit.dockerfile.v0",
        },
        {
            "id": NGINX[:12],
            "created": 1708041479,
            "size": 4619,
            "created_by": "COPY 30-tune-worker-processes.sh /docker-entrypoint.d # buildkit",
            "tags": "",
            "comment": "buildkit.dockerfile.v0",
        },
        {
            "id": NGINX[:12],
            "created": 1707955200,
            "size": 74762189,
            "created_by": "/bin/sh -c #(nop) ADD file:"
            "b86ae1c7ca3586d8feedcd9ff1b2b1e8ab872caf6587618f1da689045a5d7ae4 in / ",
            "tags": "",
            "comment": "",
        },
    ]
    assert warnings == []
    assert docker.paths() == [f"/images/{NGINX[:12]}/history"]


def test_without_an_id_every_image_is_read(docker, query) -> None:
    rows, _ = query(docker_image_history, flags=docker.flags, columns="id, size")
    assert [(r["id"], r["size"]) for r in rows] == [
        (NGINX, 0),
        (NGINX, 4619),
        (NGINX, 74762189),
        (POSTGRES, 0),
        (BUSYBOX, 4261574),
    ]
    assert docker.paths() == [
        "/images/json",
        f"/images/{NGINX}/history",
        f"/images/{POSTGRES}/history",
        f"/images/{BUSYBOX}/history",
    ]


def test_an_unknown_image_is_quietly_empty(docker, query) -> None:
    assert query(docker_image_history, "id = 'abc123'", flags=docker.flags) == ([], [])
