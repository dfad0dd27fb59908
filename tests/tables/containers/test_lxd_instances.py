"""lxd_instances: instances with their image metadata and state, name pushdown."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from hostql.tables.containers.lxd_instances import lxd_instances

WEB1 = {
    "name": "web1",
    "status": "Running",
    "stateful": 0,
    "ephemeral": 0,
    "created_at": "2024-03-02T10:15:31.912345678Z",
    "base_image": "33fd13346799554166da3166120d5de8336a8eb80792dc92392805dd78d7afc6",
    # From the image metadata (metadata.yaml), as osquery reads them, not the instance.
    "architecture": "amd64",
    "os": "ubuntu",
    "description": "Ubuntu jammy amd64 (20240301_07:42)",
    "pid": 91234,
    "processes": 27,
}
SCRATCH = {
    "name": "scratch",
    "status": "Stopped",
    "stateful": 1,
    "ephemeral": 1,
    "created_at": "2024-02-28T08:00:00Z",
    "base_image": "b5ff841fcb8aa8852cf0336f3fb5cded88fd3b1054f79c3db6941d0d30d0a496",
    "architecture": "x86_64",
    "os": "Alpinelinux",
    "description": "Alpinelinux 3.19 x86_64 (20240301_13:00)",
    "pid": 0,
    "processes": 0,
}


def test_every_instance(lxd, query) -> None:
    rows, warnings = query(lxd_instances, flags=lxd.flags)
    assert rows == [WEB1, SCRATCH]
    assert warnings == []
    assert lxd.paths() == [
        "/1.0/instances?recursion=1",
        "/1.0/instances/web1/metadata",
        "/1.0/instances/web1/state",
        "/1.0/instances/scratch/metadata",
        "/1.0/instances/scratch/state",
    ]


def test_name_pushdown(lxd, query) -> None:
    rows, _ = query(lxd_instances, "name = 'web1'", flags=lxd.flags)
    assert rows == [WEB1]
    assert lxd.paths() == [
        "/1.0/instances/web1",
        "/1.0/instances/web1/metadata",
        "/1.0/instances/web1/state",
    ]


def test_an_unknown_name_is_quietly_empty(lxd, query) -> None:
    assert query(lxd_instances, "name = 'hello'", flags=lxd.flags) == ([], [])


def test_state_and_metadata_are_read_only_when_used(lxd, query) -> None:
    rows, _ = query(lxd_instances, flags=lxd.flags, columns="name, status")
    assert rows == [{"name": "web1", "status": "Running"}, {"name": "scratch", "status": "Stopped"}]
    assert lxd.paths() == ["/1.0/instances?recursion=1"]


def test_an_lxd_older_than_instances_is_asked_for_containers(lxd, query) -> None:
    lxd.answer("/1.0/instances", 404, b'{"type": "error", "error": "not found", "error_code": 404}')
    rows, warnings = query(lxd_instances, flags=lxd.flags, columns="name, pid")
    assert rows == [{"name": "web1", "pid": 91234}]
    assert warnings == []
    assert lxd.paths() == [
        "/1.0/instances?recursion=1",
        "/1.0/containers?recursion=1",
        "/1.0/containers/web1/state",
    ]


def test_a_failing_state_call_leaves_its_columns_null(lxd, query) -> None:
    body = b'{"type": "error", "error": "Failed to get instance state", "error_code": 500}'
    lxd.answer("/1.0/instances/web1/state", 500, body)
    rows, warnings = query(lxd_instances, "name = 'web1'", flags=lxd.flags)
    assert rows == [WEB1 | {"pid": None, "processes": None}]
    assert warnings == [
        "LXD API GET /1.0/instances/web1/state: HTTP 500: Failed to get instance state"
    ]


def test_an_error_envelope_in_a_success_is_a_warning(lxd, query) -> None:
    lxd.answer("/1.0/instances", body=b'{"type": "error", "error": "database is locked"}')
    assert query(lxd_instances, flags=lxd.flags) == (
        [],
        ["LXD API GET /1.0/instances?recursion=1: database is locked"],
    )


def test_a_slow_daemon_is_abandoned(lxd, query, short_timeout) -> None:
    lxd.answer("/1.0/instances", body=b"{}", delay=5)
    started = time.monotonic()
    rows, warnings = query(lxd_instances, flags=lxd.flags)
    assert time.monotonic() - started < short_timeout + 1.5
    assert rows == []
    assert warnings == ["LXD API GET /1.0/instances?recursion=1: timed out after 0.5 s"]


def test_no_socket_no_rows(query, tmp_path) -> None:
    assert query(lxd_instances, flags={"lxd_socket": str(tmp_path / "unix.socket")}) == ([], [])


def test_malformed_instances_are_skipped_with_a_warning(lxd, query) -> None:
    body = (
        b'{"type": "sync", "metadata": [{"name": 5}, "junk", {"name": "ok", "status": "Frozen"}]}'
    )
    lxd.answer("/1.0/instances", body=body)
    rows, warnings = query(lxd_instances, flags=lxd.flags, columns="name, status")
    assert rows == [{"name": "ok", "status": "Frozen"}]
    assert warnings == ["lxd_instances: skipped an instance without a name"]


def test_a_truncated_answer_is_a_warning(lxd, query) -> None:
    lxd.answer("/1.0/instances", body=b'{"type": "sync", "metadata": [', framing="truncated")
    rows, warnings = query(lxd_instances, flags=lxd.flags)
    assert rows == []
    assert warnings == [
        "LXD API GET /1.0/instances?recursion=1: truncated response: 30 of 94 body bytes received"
    ]


@pytest.mark.live
def test_the_live_server_agrees_with_lxc(query) -> None:
    rows, warnings = query(lxd_instances, flags={}, columns="name")
    if not os.path.exists("/var/lib/lxd/unix.socket"):
        assert (rows, warnings) == ([], [])  # no LXD here: no rows, no warning
        return
    try:
        found = subprocess.run(
            ["lxc", "list", "--format", "csv", "-c", "n"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except FileNotFoundError:
        pytest.skip("no lxc client")
    assert sorted(r["name"] for r in rows) == sorted(found.stdout.split())
