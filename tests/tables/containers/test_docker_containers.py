"""docker_containers: running containers, id pushdown (all=1 + filters), inspect details."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hostql.tables.containers.docker_containers import docker_containers

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"
JOB = "5e8c9902207afaeb7120430c585a445f21e92932081d64bc99f80e4925bcb002"
PLAIN = (
    "id, name, image, image_id, command, created, state, status, pid, path, config_entrypoint, "
    "started_at, finished_at, privileged, security_options, env_variables, readonly_rootfs"
)
WEB_ROW = {
    "id": WEB,
    "name": "/web",
    "image": "nginx:1.25",
    "image_id": "fed7e452f8e58ec579d2bd62e946a345e892bf0e634b7bd381a7331bcdd82190",
    "command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
    "created": 1709391331,
    "state": "running",
    "status": "Up 3 hours",
    "pid": 48213,
    "path": "/docker-entrypoint.sh",
    "config_entrypoint": "/docker-entrypoint.sh",
    "started_at": "2024-03-02T14:55:32.004171845Z",
    # osquery blanks the finish time of a running container.
    "finished_at": "",
    "privileged": 0,
    "security_options": "no-new-privileges:true, seccomp=unconfined",
    "env_variables": "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, "
    "NGINX_VERSION=1.25.4, NJS_VERSION=0.8.3, UPSTREAM=db=5432, DEBUG",
    "readonly_rootfs": 1,
}
DB_ROW = {
    "id": DB,
    "name": "/db",
    "image": "postgres:16",
    "image_id": "08b3d02d5cf16ae95627529acc656dbf0c11542cfc28b5e455d2c333b27c483b",
    "command": "docker-entrypoint.sh postgres",
    "created": 1709391320,
    "state": "running",
    "status": "Up 3 hours (healthy)",
    "pid": 48102,
    "path": "docker-entrypoint.sh",
    "config_entrypoint": "docker-entrypoint.sh",
    "started_at": "2024-03-02T14:55:21.410338921Z",
    "finished_at": "",
    "privileged": 1,
    "security_options": "",
    "env_variables": "POSTGRES_PASSWORD=s3cr3t, "
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/16/bin, "
    "PG_MAJOR=16, PGDATA=/var/lib/postgresql/data",
    "readonly_rootfs": 0,
}


def test_a_plain_scan_lists_running_containers_as_osquery_does(docker, query) -> None:
    rows, warnings = query(docker_containers, flags=docker.flags, columns=PLAIN)
    assert rows == [WEB_ROW, DB_ROW]
    assert warnings == []
    assert docker.paths() == [
        "/containers/json",
        f"/containers/{WEB}/json",
        f"/containers/{DB}/json",
    ]


def test_an_id_prefix_is_pushed_down_with_all_and_echoed_back(docker, query) -> None:
    rows, _ = query(docker_containers, "id = ?", "5e8c9902207a", flags=docker.flags, columns=PLAIN)
    assert rows == [
        {
            "id": "5e8c9902207a",
            "name": "/nightly-backup",
            "image": "busybox:latest",
            "image_id": "4b0c46f071e43c53da8cc702867fa31192a331c7f8c3914135c8ea9497a9da92",
            "command": "sh -c 'tar czf /backup/db.tgz /data'",
            "created": 1709337600,
            "state": "exited",
            "status": "Exited (0) 14 hours ago",
            "pid": 0,
            "path": "sh",
            "config_entrypoint": "",
            "started_at": "2024-03-02T00:00:01.100822349Z",
            "finished_at": "2024-03-02T00:00:07.651280913Z",
            "privileged": 0,
            "security_options": "",
            "env_variables": "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "readonly_rootfs": 0,
        }
    ]
    assert docker.paths() == [
        '/containers/json?all=1&filters={"id":{"5e8c9902207a":true}}',
        "/containers/5e8c9902207a/json",
    ]


def test_an_in_list_makes_one_filtered_list_call(docker, query) -> None:
    rows, _ = query(
        docker_containers, "id IN (?, ?)", WEB[:12], DB, flags=docker.flags, columns="id, name"
    )
    assert sorted((r["id"], r["name"]) for r in rows) == [(WEB[:12], "/web"), (DB, "/db")]
    assert docker.paths() == [
        f'/containers/json?all=1&filters={{"id":{{"{WEB[:12]}":true,"{DB}":true}}}}'
    ]


def test_ids_docker_cannot_hold_are_not_sent(docker, query) -> None:
    rows, warnings = query(docker_containers, "id = ?", "not-a-hex-id", flags=docker.flags)
    assert (rows, warnings, docker.requests) == ([], [], [])


def test_a_name_constraint_spares_the_other_inspect_calls(docker, query) -> None:
    rows, _ = query(docker_containers, "name = '/db'", flags=docker.flags, columns=PLAIN)
    assert rows == [DB_ROW]
    assert docker.paths() == ["/containers/json", f"/containers/{DB}/json"]


def test_list_columns_alone_need_no_inspect_call(docker, query) -> None:
    rows, _ = query(docker_containers, flags=docker.flags, columns="id, state")
    assert rows == [{"id": WEB, "state": "running"}, {"id": DB, "state": "running"}]
    assert docker.paths() == ["/containers/json"]


def test_namespaces_come_from_the_container_init_process(docker, query, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "var/run").mkdir(parents=True)
    os.link(docker.socket_path, root / "var/run/docker.sock")
    ns = root / "proc/48213/ns"
    ns.mkdir(parents=True)
    for kind, inode in [("cgroup", 4026532511), ("ipc", 4026532443), ("mnt", 4026532441)]:
        (ns / kind).symlink_to(f"{kind}:[{inode}]")
    (ns / "net").symlink_to("net:[4026532446]")
    (ns / "pid").symlink_to("pid:[4026532444]")
    (ns / "user").symlink_to("user:[4026531837]")
    (ns / "uts").symlink_to("uts:[4026532442]")
    columns = "id, pid, cgroup_namespace, ipc_namespace, mnt_namespace, net_namespace, "
    columns += "pid_namespace, user_namespace, uts_namespace"
    flags = {"docker_socket": "/var/run/docker.sock"}
    rows, warnings = query(docker_containers, flags=flags, root=root, columns=columns)
    assert rows == [
        {
            "id": WEB,
            "pid": 48213,
            "cgroup_namespace": "4026532511",
            "ipc_namespace": "4026532443",
            "mnt_namespace": "4026532441",
            "net_namespace": "4026532446",
            "pid_namespace": "4026532444",
            "user_namespace": "4026531837",
            "uts_namespace": "4026532442",
        },
        # No /proc entry for the database's pid: its namespaces are unknown.
        {"id": DB, "pid": 48102}
        | {f"{k}_namespace": None for k in ("cgroup", "ipc", "mnt")}
        | {f"{k}_namespace": None for k in ("net", "pid", "user", "uts")},
    ]
    assert warnings == []


def test_an_api_error_is_a_warning_and_no_rows(docker, query) -> None:
    docker.answer(
        "/containers/json",
        500,
        b'{"message":"Cannot connect to containerd: context deadline exceeded"}',
    )
    rows, warnings = query(docker_containers, flags=docker.flags)
    assert rows == []
    assert warnings == [
        "Docker API GET /containers/json: "
        "HTTP 500: Cannot connect to containerd: context deadline exceeded"
    ]


def test_a_failed_inspect_keeps_the_listed_columns(docker, query) -> None:
    docker.answer(f"/containers/{WEB}/json", 500, b'{"message":"boom"}')
    rows, warnings = query(docker_containers, flags=docker.flags, columns="id, state, pid, path")
    assert rows == [
        {"id": WEB, "state": "running", "pid": None, "path": None},
        {"id": DB, "state": "running", "pid": 48102, "path": "docker-entrypoint.sh"},
    ]
    assert warnings == [f"Docker API GET /containers/{WEB}/json: HTTP 500: boom"]


@pytest.mark.parametrize(
    ("body", "framing", "message"),
    [
        (b'[{"Id": "4b5e57f6eb2f', "length", "invalid JSON in response"),
        (b'[{"Id": "4b5e57f6eb2f"}]', "truncated", "truncated response"),
        (b"<html>502 Bad Gateway</html>", "close", "invalid JSON"),
        (b'{"message": "not a list"}', "chunked", "expected a list, got dict"),
    ],
)
def test_a_broken_answer_is_a_warning(
    docker, query, body: bytes, framing: str, message: str
) -> None:
    docker.answer("/containers/json", body=body, framing=framing)
    rows, warnings = query(docker_containers, flags=docker.flags)
    assert rows == []
    assert len(warnings) == 1
    assert warnings[0].startswith("Docker API GET /containers/json: ")
    assert message in warnings[0]


def test_a_slow_daemon_is_abandoned_after_the_time_limit(docker, query, short_timeout) -> None:
    docker.answer("/containers/json", body=b"[]", delay=5)
    started = time.monotonic()
    rows, warnings = query(docker_containers, flags=docker.flags)
    assert time.monotonic() - started < short_timeout + 1.5
    assert rows == []
    assert warnings == ["Docker API GET /containers/json: timed out after 0.5 s"]


def test_no_socket_means_no_rows_and_no_warning(query, tmp_path: Path) -> None:
    flags = {"docker_socket": str(tmp_path / "docker.sock")}
    assert query(docker_containers, flags=flags) == ([], [])


def test_the_request_is_http_1_1_with_a_host_header(docker, query) -> None:
    query(docker_containers, flags=docker.flags, columns="id")
    assert docker.headers[0]["host"] == "localhost"
    assert docker.headers[0]["connection"] == "close"
