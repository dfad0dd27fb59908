"""docker_images: GET /images/json."""

from __future__ import annotations

from hostql.tables.containers.docker_images import docker_images


def test_images(docker, query) -> None:
    rows, warnings = query(docker_images, flags=docker.flags)
    assert rows == [
        {
            "id": "fed7e452f8e58ec579d2bd62e946a345e892bf0e634b7bd381a7331bcdd82190",
            "created": 1708041480,
            "size_bytes": 187649375,
            "tags": "nginx:1.25,nginx:latest",
        },
        {
            "id": "08b3d02d5cf16ae95627529acc656dbf0c11542cfc28b5e455d2c333b27c483b",
            "created": 1707955200,
            "size_bytes": 431436519,
            "tags": "postgres:16",
        },
        {
            "id": "4b0c46f071e43c53da8cc702867fa31192a331c7f8c3914135c8ea9497a9da92",
            "created": 1700000000,
            "size_bytes": 4261574,
            "tags": "",
        },
    ]
    assert warnings == []
    assert docker.paths() == ["/images/json"]


def test_an_error_page_is_a_warning(docker, query) -> None:
    docker.answer("/images/json", 500, b"daemon busy", framing="close")
    assert query(docker_images, flags=docker.flags) == (
        [],
        ["Docker API GET /images/json: HTTP 500: daemon busy"],
    )
