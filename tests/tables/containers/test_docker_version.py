"""docker_version: GET /version."""

from __future__ import annotations

import os
import subprocess

import pytest

from hostql.tables.containers.docker_version import docker_version


def test_version(docker, query) -> None:
    rows, warnings = query(docker_version, flags=docker.flags)
    assert rows == [
        {
            "version": "25.0.3",
            "api_version": "1.44",
            "min_api_version": "1.24",
            "git_commit": "f417435",
            "go_version": "go1.21.6",
            "os": "linux",
            "arch": "amd64",
            "kernel_version": "6.1.0-18-amd64",
            "build_time": "2024-02-06T21:13:00.000000000+00:00",
        }
    ]
    assert warnings == []


def test_the_version_collation_orders_versions(docker, query) -> None:
    rows, _ = query(docker_version, "version > '25.0.10'", flags=docker.flags, columns="version")
    assert rows == []
    rows, _ = query(docker_version, "version > '25.0.2'", flags=docker.flags, columns="version")
    assert rows == [{"version": "25.0.3"}]


@pytest.mark.live
def test_the_live_daemon_agrees_with_the_docker_sdk(query) -> None:
    rows, warnings = query(docker_version, flags={})
    if not os.path.exists("/var/run/docker.sock"):
        assert (rows, warnings) == ([], [])  # no daemon here: no rows, no warning
        return
    script = "import docker; print(docker.from_env().version()['Version'])"
    try:
        found = subprocess.run(
            ["/usr/bin/python3", "-c", script], capture_output=True, text=True, timeout=20
        )
    except FileNotFoundError:
        pytest.skip("no system python with the docker SDK")
    if found.returncode != 0:
        pytest.skip(f"the docker SDK cannot reach the daemon: {found.stderr.strip()[-200:]}")
    assert rows == [dict(rows[0], version=found.stdout.strip())]
