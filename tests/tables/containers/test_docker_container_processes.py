"""docker_container_processes: `ps` inside each queried container through GET .../top."""

from __future__ import annotations

import pytest

from hostql.errors import SqlError
from hostql.tables.containers.docker_container_processes import docker_container_processes

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"
PS = (
    "axwwo pid,state,uid,gid,euid,egid,suid,sgid,rss,vsz,etime,ppid,pgrp,nlwp,"
    "nice,user,time,pcpu,pmem,comm,cmd"
)


def test_processes_of_a_container(docker, query) -> None:
    rows, warnings = query(docker_container_processes, "id = ?", WEB, flags=docker.flags)
    master = {
        "id": WEB,
        "pid": 48213,
        "name": "nginx",
        "cmdline": "nginx: master process nginx -g daemon off;",
        "state": "S",
        "uid": 0,
        "gid": 0,
        "euid": 0,
        "egid": 0,
        "suid": 0,
        "sgid": 0,
        "wired_size": 0,
        # osquery appends "000" to ps's KiB figures.
        "resident_size": 7680000,
        "total_size": 11412000,
        # etime ([[dd-]hh:]mm:ss) is no number: NULL, as in osquery.
        "start_time": None,
        "parent": 48190,
        "pgroup": 48213,
        "threads": 1,
        "nice": 0,
        "user": "root",
        "time": "00:00:00",
        "cpu": 0.0,
        "mem": 0.1,
    }
    worker = master | {
        "pid": 48262,
        "cmdline": "nginx: worker process",
        "uid": 101,
        "gid": 101,
        "euid": 101,
        "egid": 101,
        "suid": 101,
        "sgid": 101,
        "resident_size": 3072000,
        "total_size": 11876000,
        "parent": 48213,
        "user": "101",
        "time": "00:00:02",
        "cpu": 0.2,
        "mem": 0.0,
    }
    assert rows == [master, worker]
    # The third ps row is cut short: skipped with a warning.
    assert warnings == [f"docker_container_processes: {WEB}: unexpected ps row"]
    assert docker.paths() == [f"/containers/{WEB}/top?ps_args={PS}"]


def test_each_queried_id_gets_its_own_call(docker, query) -> None:
    rows, _ = query(
        docker_container_processes,
        "id IN (?, ?)",
        WEB[:12],
        DB[:12],
        flags=docker.flags,
        columns="id, pid, user",
    )
    assert {(r["id"], r["pid"]) for r in rows} == {
        (WEB[:12], 48213),
        (WEB[:12], 48262),
        (DB[:12], 48102),
    }
    assert sorted(docker.paths()) == sorted(
        [f"/containers/{WEB[:12]}/top?ps_args={PS}", f"/containers/{DB[:12]}/top?ps_args={PS}"]
    )


def test_an_unknown_container_is_no_rows_and_no_warning(docker, query) -> None:
    rows, warnings = query(docker_container_processes, "id = 'abcdef'", flags=docker.flags)
    assert (rows, warnings) == ([], [])


def test_a_stopped_container_is_a_warning(docker, query) -> None:
    job = "5e8c9902207afaeb7120430c585a445f21e92932081d64bc99f80e4925bcb002"
    rows, warnings = query(docker_container_processes, "id = ?", job, flags=docker.flags)
    assert rows == []
    assert warnings == [
        f"Docker API GET /containers/{job}/top?ps_args={PS.replace(' ', '%20')}: "
        f"HTTP 409: container {job} is not running"
    ]


def test_the_id_is_required(docker, query) -> None:
    with pytest.raises(SqlError, match="required column"):
        query(docker_container_processes, flags=docker.flags)
