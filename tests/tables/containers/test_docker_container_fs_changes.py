"""docker_container_fs_changes: GET /containers/<id>/changes as C/A/D rows."""

from __future__ import annotations

from hostql.tables.containers.docker_container_fs_changes import docker_container_fs_changes

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"


def test_changes_by_kind(docker, query) -> None:
    rows, warnings = query(docker_container_fs_changes, "id = ?", WEB[:10], flags=docker.flags)
    assert rows == [
        {"id": WEB[:10], "path": "/run", "change_type": "C"},
        {"id": WEB[:10], "path": "/run/nginx.pid", "change_type": "A"},
        {"id": WEB[:10], "path": "/etc/nginx/conf.d/default.conf", "change_type": "D"},
        {"id": WEB[:10], "path": "/var/cache/nginx", "change_type": "C"},
        {"id": WEB[:10], "path": "/var/cache/nginx/client_temp", "change_type": "A"},
        # Kind 7 is no change osquery knows: left out.
    ]
    assert warnings == []
    assert docker.paths() == [f"/containers/{WEB[:10]}/changes"]


def test_null_changes_are_no_rows(docker, query) -> None:
    assert query(docker_container_fs_changes, "id = ?", DB, flags=docker.flags) == ([], [])


def test_malformed_entries_are_skipped(docker, query) -> None:
    docker.answer(
        "/containers/abc/changes",
        body=b'[{"Path": "/a", "Kind": "1"}, {"Kind": 1}, 5, {"Path": "/ok", "Kind": 2}]',
    )
    rows, _ = query(docker_container_fs_changes, "id = 'abc'", flags=docker.flags)
    assert rows == [{"id": "abc", "path": "/ok", "change_type": "D"}]


def test_non_hex_ids_are_not_sent(docker, query) -> None:
    rows, _ = query(docker_container_fs_changes, "id = '../../info'", flags=docker.flags)
    assert rows == []
    assert docker.requests == []
