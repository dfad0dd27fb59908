"""hostqld end to end: a carve requested by a distributed query is uploaded in blocks over HTTPS."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard
from tls_pki import Pki
from tls_server import (
    CARVE_CONTINUE,
    CARVE_START,
    DISTRIBUTED_READ,
    DISTRIBUTED_WRITE,
    ENROLL,
    SECRET,
    Carve,
    TlsServer,
)

StartDaemon = Callable[..., subprocess.Popen[bytes]]
BLOCK_SIZE = 1024


@pytest.fixture
def hostqld(tmp_path: Path, tls_server: TlsServer, pki: Pki) -> Iterator[StartDaemon]:
    """Start hostqld with the carver and distributed queries against the test server."""
    started: list[subprocess.Popen[bytes]] = []
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    config = tmp_path / "hostql.conf"
    config.write_text("{}")

    def start(*extra: str) -> subprocess.Popen[bytes]:
        args = [
            f"--config_path={config}",
            f"--database_path={tmp_path / 'hostql.db'}",
            f"--logger_path={tmp_path / 'log'}",
            "--disable_watchdog",
            "--disable_extensions",
            f"--tls_hostname={tls_server.hostname}",
            f"--tls_server_certs={pki.ca}",
            f"--enroll_secret_path={secret}",
            f"--enroll_tls_endpoint={ENROLL}",
            "--disable_distributed=false",
            f"--distributed_tls_read_endpoint={DISTRIBUTED_READ}",
            f"--distributed_tls_write_endpoint={DISTRIBUTED_WRITE}",
            "--distributed_interval=1",
            "--disable_carver=false",
            f"--carver_start_endpoint={CARVE_START}",
            f"--carver_continue_endpoint={CARVE_CONTINUE}",
            f"--carver_block_size={BLOCK_SIZE}",
            *extra,
        ]
        # Status lines go to a file: a pipe nobody reads would block the daemon once full.
        stderr = (tmp_path / f"hostqld-{len(started)}.stderr").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "hostql", "daemon", *args],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        stderr.close()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def carved(tmp_path: Path) -> list[Path]:
    """Two files to carve: one spanning many blocks, one smaller than a block."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    big, small = folder / "big.bin", folder / "small.txt"
    # Random bytes stay large under zstd, so the upload spans many blocks either way.
    big.write_bytes(os.urandom(9 * BLOCK_SIZE + 100))
    small.write_text("a small file\n")
    return [big, small]


def complete_carves(server: TlsServer) -> list[Carve]:
    with server.lock:
        carves = list(server.carves.values())
    return [c for c in carves if len(c.blocks) == c.start.get("block_count")]


def written(server: TlsServer, query_id: str) -> list[dict[str, Any]] | None:
    for request in server.received(DISTRIBUTED_WRITE):
        if query_id in request.body.get("queries", {}):
            return request.body["queries"][query_id]  # type: ignore[no-any-return]
    return None


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}  # type: ignore[union-attr]


@pytest.mark.parametrize("compression", [False, True])
def test_a_carve_of_two_files_arrives_in_blocks(
    hostqld: StartDaemon,
    tls_server: TlsServer,
    carved: list[Path],
    compression: bool,
) -> None:
    folder = carved[0].parent
    sql = f"select carve_guid, status from carves where carve = 1 and path like '{folder}/%'"
    tls_server.queue_distributed({"carve-1": sql})
    hostqld(f"--carver_compression={str(compression).lower()}")
    assert tls_server.wait_for(lambda: complete_carves(tls_server) != [], 30)
    [carve] = complete_carves(tls_server)
    data = carve.data()
    start = carve.start
    assert start["block_size"] == BLOCK_SIZE and start["carve_size"] == len(data)
    assert start["block_count"] == -(-len(data) // BLOCK_SIZE) > 1
    assert start["request_id"] == "carve-1"
    assert all(len(carve.blocks[i]) == BLOCK_SIZE for i in range(start["block_count"] - 1))
    if compression:
        assert data[:4] == b"\x28\xb5\x2f\xfd"
        data = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    assert members(data) == {str(p).lstrip("/"): p.read_bytes() for p in carved}
    [requested] = written(tls_server, "carve-1") or [{}]
    assert requested["status"] == "SCHEDULED" and requested["carve_guid"] == start["carve_id"]
    # The carves table follows the session to SUCCESS.
    tls_server.queue_distributed({"status": "select carve_guid, status, size from carves"})
    assert tls_server.wait_for(lambda: written(tls_server, "status") is not None, 30)
    assert written(tls_server, "status") == [
        {"carve_guid": start["carve_id"], "status": "SUCCESS", "size": str(start["carve_size"])}
    ]


def test_carves_are_refused_when_the_carver_is_disabled(
    hostqld: StartDaemon, tls_server: TlsServer, carved: list[Path]
) -> None:
    sql = f"select carve_guid from carves where carve = 1 and path = '{carved[1]}'"
    tls_server.queue_distributed({"nope": sql})
    hostqld("--disable_carver=true")
    assert tls_server.wait_for(lambda: written(tls_server, "nope") is not None, 30)
    assert written(tls_server, "nope") == []
    assert tls_server.received(CARVE_START, answered_only=False) == []
