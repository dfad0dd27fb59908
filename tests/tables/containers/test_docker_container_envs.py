"""docker_container_envs: Config.Env of each listed container, split at the first "="."""

from __future__ import annotations

from hostql.tables.containers.docker_container_envs import docker_container_envs

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"


def test_environment_of_one_container(docker, query) -> None:
    rows, warnings = query(docker_container_envs, "id = ?", WEB[:12], flags=docker.flags)
    assert rows == [
        {
            "id": WEB[:12],
            "key": "PATH",
            "value": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        },
        {"id": WEB[:12], "key": "NGINX_VERSION", "value": "1.25.4"},
        {"id": WEB[:12], "key": "NJS_VERSION", "value": "0.8.3"},
        {"id": WEB[:12], "key": "UPSTREAM", "value": "db=5432"},
        # osquery's substr(npos + 1) quirk: an entry without "=" is its own value.
        {"id": WEB[:12], "key": "DEBUG", "value": "DEBUG"},
    ]
    assert warnings == []
    assert docker.paths() == [
        f'/containers/json?all=1&filters={{"id":{{"{WEB[:12]}":true}}}}',
        f"/containers/{WEB[:12]}/json",
    ]


def test_every_running_container_is_inspected(docker, query) -> None:
    rows, _ = query(docker_container_envs, "key = 'PG_MAJOR'", flags=docker.flags)
    assert rows == [{"id": DB, "key": "PG_MAJOR", "value": "16"}]
    assert docker.paths() == [
        "/containers/json",
        f"/containers/{WEB}/json",
        f"/containers/{DB}/json",
    ]


def test_a_container_removed_mid_scan_is_skipped_quietly(docker, query) -> None:
    docker.answer(f"/containers/{WEB}/json", 404, b'{"message": "No such container"}')
    rows, warnings = query(docker_container_envs, flags=docker.flags, columns="id")
    assert {r["id"] for r in rows} == {DB}
    assert warnings == []
