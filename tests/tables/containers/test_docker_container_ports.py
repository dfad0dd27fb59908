"""docker_container_ports: the Ports of each listed container."""

from __future__ import annotations

from hostql.tables.containers.docker_container_ports import docker_container_ports

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"


def test_published_and_exposed_ports(docker, query) -> None:
    rows, warnings = query(docker_container_ports, flags=docker.flags)
    assert rows == [
        {"id": WEB, "type": "tcp", "port": 80, "host_ip": "0.0.0.0", "host_port": 8080},
        {"id": WEB, "type": "tcp", "port": 80, "host_ip": "::", "host_port": 8080},
        # Exposed but not published: no host side, as osquery's defaults give.
        {"id": WEB, "type": "tcp", "port": 443, "host_ip": "", "host_port": 0},
        {"id": DB, "type": "tcp", "port": 5432, "host_ip": "", "host_port": 0},
    ]
    assert warnings == []


def test_id_pushdown(docker, query) -> None:
    rows, _ = query(
        docker_container_ports, "id = ?", WEB[:16], flags=docker.flags, columns="id, port"
    )
    assert rows == [
        {"id": WEB[:16], "port": 80},
        {"id": WEB[:16], "port": 80},
        {"id": WEB[:16], "port": 443},
    ]
    assert docker.paths() == [f'/containers/json?all=1&filters={{"id":{{"{WEB[:16]}":true}}}}']
