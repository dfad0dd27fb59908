"""docker_image_labels: labels of GET /images/json, ids echoed as queried."""

from __future__ import annotations

from hostql.tables.containers.docker_image_labels import docker_image_labels

NGINX = "fed7e452f8e58ec579d2bd62e946a345e892bf0e634b7bd381a7331bcdd82190"
BUSYBOX = "4b0c46f071e43c53da8cc702867fa31192a331c7f8c3914135c8ea9497a9da92"


def test_labels_of_every_image(docker, query) -> None:
    rows, warnings = query(docker_image_labels, flags=docker.flags)
    assert rows == [
        {
            "id": NGINX,
            "key": "maintainer",
            "value": "NGINX Docker Maintainers <docker-maint@nginx.com>",
        },
        {
            "id": BUSYBOX,
            "key": "org.opencontainers.image.source",
            "value": "https://github.com/docker-library/busybox",
        },
    ]
    assert warnings == []


def test_a_prefix_is_echoed_so_it_matches(docker, query) -> None:
    rows, _ = query(docker_image_labels, "id = 'fed7e452'", flags=docker.flags, columns="id, key")
    assert rows == [{"id": "fed7e452", "key": "maintainer"}]
    # Docker cannot filter images by id: osquery lists them all.
    assert docker.paths() == ["/images/json"]
