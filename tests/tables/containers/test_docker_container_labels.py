"""docker_container_labels: one row per container label, id pushdown through filters."""

from __future__ import annotations

from hostql.tables.containers.docker_container_labels import docker_container_labels

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"
JOB = "5e8c9902207afaeb7120430c585a445f21e92932081d64bc99f80e4925bcb002"


def test_labels_of_running_containers(docker, query) -> None:
    rows, warnings = query(docker_container_labels, flags=docker.flags)
    assert rows == [
        {"id": WEB, "key": "com.docker.compose.project", "value": "shop"},
        {"id": WEB, "key": "com.docker.compose.service", "value": "web"},
        {
            "id": WEB,
            "key": "maintainer",
            "value": "NGINX Docker Maintainers <docker-maint@nginx.com>",
        },
        {"id": DB, "key": "com.docker.compose.project", "value": "shop"},
        {"id": DB, "key": "com.docker.compose.service", "value": "db"},
    ]
    assert warnings == []
    assert docker.paths() == ["/containers/json"]


def test_id_pushdown_and_prefix_echo(docker, query) -> None:
    rows, _ = query(
        docker_container_labels,
        "id = ? AND key = ?",
        "7bdc25",
        "com.docker.compose.service",
        flags=docker.flags,
    )
    assert rows == [{"id": "7bdc25", "key": "com.docker.compose.service", "value": "db"}]
    assert docker.paths() == ['/containers/json?all=1&filters={"id":{"7bdc25":true}}']


def test_a_container_without_labels_has_no_rows(docker, query) -> None:
    rows, _ = query(docker_container_labels, "id = ?", JOB, flags=docker.flags)
    assert rows == []


def test_a_daemon_error_warns(docker, query) -> None:
    docker.answer("/containers/json", 500, b'{"message": "internal error"}')
    rows, warnings = query(docker_container_labels, flags=docker.flags)
    assert rows == []
    assert warnings == ["Docker API GET /containers/json: HTTP 500: internal error"]


def test_no_socket_no_rows(query, tmp_path) -> None:
    assert query(docker_container_labels, flags={"docker_socket": str(tmp_path / "x")}) == ([], [])
