"""lxd_images: GET /1.0/images, id (fingerprint prefix) pushdown."""

from __future__ import annotations

from hostql.tables.containers.lxd_images import lxd_images

JAMMY = "33fd13346799554166da3166120d5de8336a8eb80792dc92392805dd78d7afc6"
ALPINE = "b5ff841fcb8aa8852cf0336f3fb5cded88fd3b1054f79c3db6941d0d30d0a496"
JAMMY_ROW = {
    "id": JAMMY,
    "architecture": "x86_64",
    "os": "ubuntu",
    "release": "jammy",
    "description": "ubuntu 22.04 LTS amd64 (release) (20240301)",
    "aliases": "jammy,ubuntu/22.04",
    "filename": "ubuntu-22.04-server-cloudimg-amd64-lxd.tar.xz",
    "size": 452813120,
    "auto_update": 1,
    "cached": 1,
    "public": 0,
    "created_at": "2024-03-01T00:00:00Z",
    "expires_at": "2029-04-26T00:00:00Z",
    "uploaded_at": "2024-03-02T10:15:20.118102334Z",
    "last_used_at": "2024-03-02T10:15:31.803212111Z",
    "update_source_server": "https://cloud-images.ubuntu.com/releases",
    "update_source_protocol": "simplestreams",
    "update_source_certificate": "",
    "update_source_alias": "22.04",
}
# A local image: no update_source (osquery would drop the row; it is kept, blank).
ALPINE_ROW = {
    "id": ALPINE,
    "architecture": "x86_64",
    "os": "Alpinelinux",
    "release": "3.19",
    "description": "Alpinelinux 3.19 x86_64 (custom)",
    "aliases": "",
    "filename": "alpine-custom.tar.gz",
    "size": 3104232,
    "auto_update": 0,
    "cached": 0,
    "public": 1,
    "created_at": "2024-02-28T07:59:00Z",
    "expires_at": "1970-01-01T00:00:00Z",
    "uploaded_at": "2024-02-28T07:59:30Z",
    "last_used_at": "2024-02-28T08:00:00Z",
    "update_source_server": "",
    "update_source_protocol": "",
    "update_source_certificate": "",
    "update_source_alias": "",
}


def test_every_image(lxd, query) -> None:
    rows, warnings = query(lxd_images, flags=lxd.flags)
    assert rows == [JAMMY_ROW, ALPINE_ROW]
    assert warnings == []
    assert lxd.paths() == ["/1.0/images?recursion=1"]


def test_a_fingerprint_prefix_is_looked_up_and_echoed(lxd, query) -> None:
    rows, _ = query(lxd_images, "id = '33fd1334'", flags=lxd.flags)
    assert rows == [JAMMY_ROW | {"id": "33fd1334"}]
    assert lxd.paths() == ["/1.0/images/33fd1334"]


def test_an_unknown_image_is_quietly_empty(lxd, query) -> None:
    assert query(lxd_images, "id = '0931b693c8'", flags=lxd.flags) == ([], [])
