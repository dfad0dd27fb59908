"""docker_volume_labels: labels of GET /volumes, name pushdown."""

from __future__ import annotations

from hostql.tables.containers.docker_volume_labels import docker_volume_labels


def test_labels(docker, query) -> None:
    rows, warnings = query(docker_volume_labels, flags=docker.flags)
    assert rows == [
        {"name": "shop_static", "key": "com.docker.compose.project", "value": "shop"},
        {"name": "shop_static", "key": "com.docker.compose.version", "value": "2.24.6"},
        {"name": "shop_static", "key": "com.docker.compose.volume", "value": "static"},
        {"name": "nfs_backup", "key": "backup", "value": "nightly"},
    ]
    assert warnings == []


def test_name_pushdown(docker, query) -> None:
    rows, _ = query(docker_volume_labels, "name = 'nfs_backup'", flags=docker.flags)
    assert rows == [{"name": "nfs_backup", "key": "backup", "value": "nightly"}]
    assert docker.paths() == ['/volumes?filters={"name":{"nfs_backup":true}}']
