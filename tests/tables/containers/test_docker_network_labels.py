"""docker_network_labels: labels of GET /networks."""

from __future__ import annotations

from hostql.tables.containers.docker_network_labels import docker_network_labels

APP = "42803ebb6acec230200a210d003a6b723b985acd6605793f6f93e1c381182a86"


def test_labels(docker, query) -> None:
    rows, warnings = query(docker_network_labels, flags=docker.flags)
    assert rows == [
        {"id": APP, "key": "com.docker.compose.network", "value": "app"},
        {"id": APP, "key": "com.docker.compose.project", "value": "shop"},
        {"id": APP, "key": "com.docker.compose.version", "value": "2.24.6"},
    ]
    assert warnings == []


def test_id_pushdown(docker, query) -> None:
    rows, _ = query(docker_network_labels, "id = '428'", flags=docker.flags, columns="id")
    assert rows == [{"id": "428"}] * 3
    assert docker.paths() == ['/networks?filters={"id":{"428":true}}']
