"""docker_image_layers: RootFS.Layers of GET /images/<id>/json, numbered from 1."""

from __future__ import annotations

from hostql.tables.containers.docker_image_layers import docker_image_layers

NGINX = "fed7e452f8e58ec579d2bd62e946a345e892bf0e634b7bd381a7331bcdd82190"
POSTGRES = "08b3d02d5cf16ae95627529acc656dbf0c11542cfc28b5e455d2c333b27c483b"
BUSYBOX = "4b0c46f071e43c53da8cc702867fa31192a331c7f8c3914135c8ea9497a9da92"
BASE = "77ea7eee3d80b1a38f83906dd3048e2689457eb90e18a7d12f839c5ae37106a2"


def test_layers_of_every_image(docker, query) -> None:
    rows, warnings = query(docker_image_layers, flags=docker.flags)
    assert rows == [
        {"id": NGINX, "layer_id": BASE, "layer_order": 1},
        {
            "id": NGINX,
            "layer_id": "95cf1a2e1698fe3ca1fcc3f653119146b271d0b62e487ec264441e886a11bd06",
            "layer_order": 2,
        },
        {
            "id": NGINX,
            "layer_id": "a0e70458d19e37e14d6388030a017c587283e2fb6ef10c0744cad0294c47e8f8",
            "layer_order": 3,
        },
        {"id": POSTGRES, "layer_id": BASE, "layer_order": 1},
        {
            "id": POSTGRES,
            "layer_id": "6613a3c187efe17fd360f7e26b5d75bcb4e46c889a7d2288e22416fb88327e56",
            "layer_order": 2,
        },
        {
            "id": BUSYBOX,
            "layer_id": "eb41a879795969f677a88a79b8da00505fdd24a254b5a79a2fe389ca26661dcc",
            "layer_order": 1,
        },
    ]
    assert warnings == []


def test_id_pushdown_reads_one_image(docker, query) -> None:
    rows, _ = query(docker_image_layers, "id = ?", BUSYBOX[:12], flags=docker.flags)
    assert rows == [
        {
            "id": BUSYBOX[:12],
            "layer_id": "eb41a879795969f677a88a79b8da00505fdd24a254b5a79a2fe389ca26661dcc",
            "layer_order": 1,
        }
    ]
    assert docker.paths() == [f"/images/{BUSYBOX[:12]}/json"]
