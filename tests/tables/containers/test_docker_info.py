"""docker_info: GET /info."""

from __future__ import annotations

import socket

from hostql.tables.containers.docker_info import docker_info


def test_info(docker, query) -> None:
    rows, warnings = query(docker_info, flags=docker.flags)
    assert rows == [
        {
            "id": "5db765dba9182925f4a20746a7a63251c2873b3a423b482c659914dadd5101a6",
            "containers": 3,
            "containers_running": 2,
            "containers_paused": 0,
            "containers_stopped": 1,
            "images": 3,
            "storage_driver": "overlay2",
            "memory_limit": 1,
            "swap_limit": 1,
            "kernel_memory": 0,
            "cpu_cfs_period": 1,
            "cpu_cfs_quota": 1,
            "cpu_shares": 1,
            "cpu_set": 1,
            "ipv4_forwarding": 1,
            "bridge_nf_iptables": 1,
            "bridge_nf_ip6tables": 0,
            "oom_kill_disable": 0,
            "logging_driver": "json-file",
            "cgroup_driver": "systemd",
            "kernel_version": "6.1.0-18-amd64",
            "os": "Debian GNU/Linux 12 (bookworm)",
            "os_type": "linux",
            "architecture": "x86_64",
            "cpus": 4,
            "memory": 8217841664,
            "http_proxy": "http://proxy.example.com:3128",
            "https_proxy": "",
            "no_proxy": "localhost,127.0.0.1,.example.com",
            "name": "build-host-01",
            "server_version": "25.0.3",
            "root_dir": "/var/lib/docker",
        }
    ]
    assert warnings == []
    assert docker.paths() == ["/info"]


def test_missing_fields_take_osquery_defaults(docker, query) -> None:
    docker.answer(
        "/info", body=b'{"ID": "x", "NCPU": "many", "SwapLimit": "true"}', framing="chunked"
    )
    rows, _ = query(docker_info, flags=docker.flags, columns="id, cpus, swap_limit, memory, name")
    assert rows == [{"id": "x", "cpus": 0, "swap_limit": 1, "memory": 0, "name": ""}]


def test_a_socket_that_refuses_is_a_warning(query, tmp_path) -> None:
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as stale:
        stale.bind(str(path))  # a socket file nobody listens on: a stopped daemon
    rows, warnings = query(docker_info, flags={"docker_socket": str(path)})
    assert rows == []
    assert warnings == [f"Docker API GET /info: cannot connect to {path}: Connection refused"]
