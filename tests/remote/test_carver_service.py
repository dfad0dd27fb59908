"""The carver in-process against a scripted endpoint: requests, uploads, statuses, expiry."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from hostql.daemon.runtime import Daemon
from hostql.daemon.status import StatusLog
from hostql.flags import default_values
from hostql.remote.carver import KEY_PREFIX, Carver
from hostql.remote.distributed import Distributed
from hostql.tables.utility.carves import clear_carves


class CarveEndpoint:
    """Start and continue endpoints that reassemble uploads by session."""

    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        self.blocks: dict[str, dict[int, bytes]] = {}
        self.fail_start = False
        self.distributed: list[dict[str, Any]] = []
        self.written: list[dict[str, Any]] = []

    def post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        if endpoint == "/start":
            if self.fail_start:
                raise OSError("connection refused")
            self.starts.append(body)
            session = f"session-{len(self.starts)}"
            self.blocks[session] = {}
            return {"session_id": session}
        if endpoint == "/continue":
            self.blocks[body["session_id"]][body["block_id"]] = base64.b64decode(body["data"])
            return {}
        if endpoint == "/read":
            return self.distributed.pop(0) if self.distributed else {}
        self.written.append(body)
        return {}

    def upload(self, number: int = 1) -> bytes:
        received = self.blocks[f"session-{number}"]
        assert sorted(received) == list(range(self.starts[number - 1]["block_count"]))
        return b"".join(received[i] for i in sorted(received))


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "carved"
    folder.mkdir()
    first, second = folder / "one.bin", folder / "two.txt"
    first.write_bytes(bytes(range(256)) * 40)
    second.write_text("second file\n")
    return [first, second]


def make_daemon(tmp_path: Path, **flags: object) -> Daemon:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "hostql.conf"
    config.write_text("{}")
    values = default_values()
    for name, value in {
        "config_path": str(config),
        "database_path": str(tmp_path / "hostql.db"),
        "logger_path": str(tmp_path / "log"),
        "logger_plugin": "filesystem",
        "disable_carver": False,
        "carver_start_endpoint": "/start",
        "carver_continue_endpoint": "/continue",
        "carver_block_size": 1000,
        "distributed_tls_read_endpoint": "/read",
        "distributed_tls_write_endpoint": "/write",
        **flags,
    }.items():
        values.set(name, value)
    daemon = Daemon(values, StatusLog(stream=io.StringIO()))
    daemon.load_config(first=True)
    return daemon


@pytest.fixture
def endpoint() -> CarveEndpoint:
    return CarveEndpoint()


@pytest.fixture
def started(tmp_path: Path, endpoint: CarveEndpoint) -> Iterator[tuple[Daemon, Carver]]:
    daemon = make_daemon(tmp_path)
    carver = Carver(daemon, endpoint.post)
    # The worker thread is not started: tests drive run_scheduled() themselves.
    carver._stopping.set()
    carver.start()
    yield daemon, carver
    carver.stop()
    daemon.shutdown()
    clear_carves()


def tar_members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}  # type: ignore[union-attr]


def test_a_carves_query_schedules_a_carve_that_uploads_in_blocks(
    started: tuple[Daemon, Carver], endpoint: CarveEndpoint, files: list[Path]
) -> None:
    daemon, carver = started
    # The LIKE pattern is globbed into both files; the new session's row has carve = 1.
    [row] = daemon.engine.query(
        "select carve, status, path, carve_guid from carves"
        f" where carve = 1 and path like '{files[0].parent}/%'"
    )
    assert row["path"] == ",".join(str(p) for p in files)
    assert row["carve"] == 1 and row["status"] == "SCHEDULED"
    guid = row["carve_guid"]
    carver._stopping.clear()
    assert carver.run_scheduled() == 1
    [start] = endpoint.starts
    upload = endpoint.upload()
    assert start["carve_id"] == guid and start["block_size"] == 1000
    assert start["carve_size"] == len(upload) and start["block_count"] == -(-len(upload) // 1000)
    assert tar_members(upload) == {str(p).lstrip("/"): p.read_bytes() for p in files}
    [done] = daemon.engine.query("select * from carves")
    assert done["status"] == "SUCCESS" and done["size"] == len(upload)
    assert done["sha256"] == hashlib.sha256(upload).hexdigest()
    stored = json.loads(daemon.store.get("carves", KEY_PREFIX + guid) or "{}")
    assert stored["status"] == "SUCCESS"


def test_compressed_carves_are_zstd(
    tmp_path: Path, endpoint: CarveEndpoint, files: list[Path]
) -> None:
    daemon = make_daemon(tmp_path, carver_compression=True)
    carver = Carver(daemon, endpoint.post)
    try:
        carver.request([str(files[0])], "r1")
        carver.run_scheduled()
        upload = endpoint.upload()
        assert upload[:4] == b"\x28\xb5\x2f\xfd"
        tar = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(upload)).read()
        assert tar_members(tar) == {str(files[0]).lstrip("/"): files[0].read_bytes()}
        assert endpoint.starts[0]["request_id"] == "r1"
    finally:
        daemon.shutdown()
        clear_carves()


def test_a_failed_start_is_data_post_failed(
    started: tuple[Daemon, Carver], endpoint: CarveEndpoint, files: list[Path]
) -> None:
    daemon, carver = started
    endpoint.fail_start = True
    carver._stopping.clear()
    guid = carver.request([str(files[1])])
    carver.run_scheduled()
    [row] = daemon.engine.query("select status, carve_guid from carves")
    assert row == {"status": "DATA POST FAILED", "carve_guid": guid}


def test_the_carve_function_needs_carver_disable_function_off(
    tmp_path: Path, endpoint: CarveEndpoint, files: list[Path]
) -> None:
    for disabled, expected in ((True, "Carve Failed:"), (False, "Carve Started")):
        daemon = make_daemon(tmp_path / str(disabled), carver_disable_function=disabled)
        carver = Carver(daemon, endpoint.post)
        carver._stopping.set()
        carver.start()
        try:
            sql = f"select carve(path) as c from file where path = '{files[1]}'"
            assert daemon.engine.query(sql) == [{"c": expected}]
        finally:
            carver.stop()
            daemon.shutdown()
            clear_carves()


def test_a_carve_from_a_distributed_query_carries_its_request_id(
    started: tuple[Daemon, Carver], endpoint: CarveEndpoint, files: list[Path]
) -> None:
    daemon, carver = started
    sql = f"select carve_guid, status from carves where carve = 1 and path = '{files[0]}'"
    endpoint.distributed.append({"queries": {"carve-request-7": sql}})
    Distributed(daemon, endpoint.post).poll_once()
    [written] = endpoint.written
    [row] = written["queries"]["carve-request-7"]
    assert row["status"] == "SCHEDULED"
    carver._stopping.clear()
    carver.run_scheduled()
    assert endpoint.starts[0]["request_id"] == "carve-request-7"
    assert endpoint.starts[0]["carve_id"] == row["carve_guid"]


def test_old_successful_carves_expire(tmp_path: Path, endpoint: CarveEndpoint) -> None:
    daemon = make_daemon(tmp_path, carver_expiry=100)
    old = {"carve_guid": "old", "time": int(time.time()) - 500, "status": "SUCCESS", "path": "/x"}
    failed = {**old, "carve_guid": "failed", "status": "ARCHIVE FAILED"}
    daemon.store.put_many(
        "carves",
        {
            KEY_PREFIX + "old": json.dumps(old),
            KEY_PREFIX + "failed": json.dumps(failed),
            KEY_PREFIX + "junk": "not json",
        },
    )
    carver = Carver(daemon, endpoint.post)
    carver._stopping.set()
    carver.start()
    try:
        assert [r["carve_guid"] for r in daemon.engine.query("select * from carves")] == ["failed"]
        assert [k for k, _ in daemon.store.scan("carves")] == [KEY_PREFIX + "failed"]
    finally:
        carver.stop()
        daemon.shutdown()
        clear_carves()


def test_the_status_moves_through_its_lifecycle(
    started: tuple[Daemon, Carver], endpoint: CarveEndpoint, files: list[Path]
) -> None:
    _, carver = started
    seen: list[str] = []
    update = carver.update

    def spy(guid: str, **changes: Any) -> dict[str, Any]:
        record = update(guid, **changes)
        if "status" in changes:
            seen.append(record["status"])
        return record

    carver.update = spy  # type: ignore[method-assign]
    carver._stopping.clear()
    carver.request([str(files[0])])
    carver.run_scheduled()
    assert seen == ["STARTING", "PENDING", "SUCCESS"]


def test_a_carve_of_nothing_that_exists_uploads_an_empty_archive(
    started: tuple[Daemon, Carver], endpoint: CarveEndpoint, tmp_path: Path
) -> None:
    daemon, carver = started
    carver._stopping.clear()
    carver.request([str(tmp_path / "missing"), str(tmp_path)])
    carver.run_scheduled()
    assert tar_members(endpoint.upload()) == {}
    assert daemon.engine.query("select status from carves") == [{"status": "SUCCESS"}]
