"""Enrollment and the node key against the real test server."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from tls_pki import Pki
from tls_server import CONFIG, ENROLL, SECRET, TlsServer

from hostql.daemon.state import BackingStore
from hostql.daemon.status import StatusLog
from hostql.flags import FlagValues, default_values
from hostql.remote.enroll import (
    NODE_KEY,
    NODE_KEY_TIME,
    PLATFORM_TYPE,
    RemoteClient,
    enroll_body,
    host_details,
    node_key_of,
    read_enroll_secret,
    retry_waits,
)
from hostql.remote.transport import NodeInvalidError, TlsSettings, Transport, TransportError
from hostql.sql.engine import Engine


def flag_values(tmp_path: Path, **flags: object) -> FlagValues:
    secret = tmp_path / "secret"
    secret.write_text(f"  {SECRET}\n")
    values = default_values()
    settings: dict[str, object] = {
        "enroll_secret_path": str(secret),
        "enroll_tls_endpoint": ENROLL,
        "tls_enroll_max_attempts": 2,
        "tls_enroll_max_interval": 1,
        **flags,
    }
    for name, value in settings.items():
        values.set(name, value)
    return values


def client_for(
    server: TlsServer, pki: Pki, values: FlagValues, store: BackingStore | None = None
) -> tuple[RemoteClient, StatusLog]:
    status = StatusLog(to_stderr=False)
    client = RemoteClient(
        Transport(TlsSettings(server.hostname, str(pki.ca))),
        store or BackingStore.in_memory(),
        values,
        status,
        identity=lambda: "test-host",
        details=lambda: {"os_version": {"name": "TestOS"}},
        clock=lambda: 1_234,
    )
    return client, status


def test_enrollment_sends_osquerys_fields_and_stores_the_key(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    store = BackingStore.in_memory()
    client, status = client_for(tls_server, pki, flag_values(tmp_path), store)
    key = client.node_key()
    assert key in tls_server.node_keys
    assert store.get("configurations", NODE_KEY) == key
    assert store.get("configurations", NODE_KEY_TIME) == "1234"
    body = tls_server.received(ENROLL)[0].body
    assert body == {
        "enroll_secret": SECRET,
        "host_identifier": "test-host",
        "platform_type": PLATFORM_TYPE,
        "host_details": {"os_version": {"name": "TestOS"}},
    }
    # Cached: no second enrollment.
    assert client.node_key() == key
    assert len(tls_server.received(ENROLL)) == 1
    assert all(key not in entry.message for entry in status.drain())


def test_requests_carry_the_node_key_in_body_and_header(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    client, _ = client_for(tls_server, pki, flag_values(tmp_path))
    answer = client.post(CONFIG, {"extra": 1})
    assert "schedule" in answer
    request = tls_server.received(CONFIG)[0]
    key = client.stored_node_key()
    assert request.body == {"extra": 1, "node_key": key}
    assert request.headers["Authorization"] == f"NodeKey {key}"


def test_node_invalid_forgets_the_key_and_the_next_request_re_enrolls(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    client, _ = client_for(tls_server, pki, flag_values(tmp_path))
    first = client.node_key()
    tls_server.invalidate_node_keys()
    with pytest.raises(NodeInvalidError):
        client.post(CONFIG, {})
    assert client.stored_node_key() == ""
    client.post(CONFIG, {})
    assert client.stored_node_key() not in ("", first)
    assert len(tls_server.received(ENROLL)) == 2


def test_disable_reenrollment_keeps_the_rejected_key(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    client, _ = client_for(tls_server, pki, flag_values(tmp_path, disable_reenrollment=True))
    key = client.node_key()
    tls_server.invalidate_node_keys()
    with pytest.raises(NodeInvalidError):
        client.post(CONFIG, {})
    assert client.stored_node_key() == key


def test_disable_enrollment_never_enrolls(tls_server: TlsServer, pki: Pki, tmp_path: Path) -> None:
    client, _ = client_for(tls_server, pki, flag_values(tmp_path, disable_enrollment=True))
    with pytest.raises(NodeInvalidError):
        client.post(CONFIG, {})
    assert tls_server.received(ENROLL, answered_only=False) == []
    assert tls_server.received(CONFIG, answered_only=False)[0].body == {"node_key": ""}


def test_a_wrong_secret_is_retried_then_given_up(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    values = flag_values(tmp_path)
    (tmp_path / "secret").write_text("wrong")
    client, status = client_for(tls_server, pki, values)
    began = time.monotonic()
    assert client.node_key() == ""
    assert 0.9 < time.monotonic() - began < 5, "one wait of min(1², 1) second"
    assert len(tls_server.received(ENROLL, answered_only=False)) == 2
    messages = [entry.message for entry in status.drain()]
    assert any("retrying in 1 seconds" in m for m in messages)
    assert any("giving up" in m for m in messages)
    assert all("wrong" not in m for m in messages), "the secret is never logged"
    with pytest.raises(TransportError, match="not enrolled"):
        client.post(CONFIG, {})


def test_enrollment_retries_stop_when_the_daemon_stops(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    values = flag_values(tmp_path, tls_enroll_max_attempts=0, tls_enroll_max_interval=600)
    tls_server.misbehave(ENROLL, "500", times=-1)
    client, _ = client_for(tls_server, pki, values)
    threading.Timer(0.5, client.stop.set).start()
    began = time.monotonic()
    assert client.node_key() == ""
    assert time.monotonic() - began < 3


def test_enrollment_survives_a_server_failure_within_its_attempts(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    tls_server.misbehave(ENROLL, "garbage")
    client, _ = client_for(tls_server, pki, flag_values(tmp_path))
    assert client.node_key()


def test_secret_always_puts_the_secret_in_every_url(
    tls_server: TlsServer, pki: Pki, tmp_path: Path
) -> None:
    client, _ = client_for(tls_server, pki, flag_values(tmp_path, tls_secret_always=True))
    client.post(CONFIG, {})
    assert tls_server.received(CONFIG)[0].query == f"enroll_secret={SECRET}"
    assert tls_server.received(ENROLL)[0].query == f"enroll_secret={SECRET}"


def test_read_enroll_secret_from_file_or_environment(tmp_path: Path) -> None:
    values = flag_values(tmp_path)
    assert read_enroll_secret(values) == SECRET
    values.set("enroll_secret_path", "")
    values.set("enroll_secret_env", "HOSTQL_TEST_SECRET")
    assert read_enroll_secret(values, {"HOSTQL_TEST_SECRET": "from-env"}) == "from-env"
    assert read_enroll_secret(values, {}) == ""
    values.set("enroll_secret_path", str(tmp_path / "missing"))
    assert read_enroll_secret(values) == ""


def test_pure_helpers() -> None:
    assert enroll_body("s", "h", {}, "token")["token"] == "s"
    assert node_key_of({"node_key": "a"}) == "a"
    assert node_key_of({"id": "b"}) == "b"
    assert node_key_of({"node_key": ""}) == ""
    assert list(retry_waits(5, 10)) == [1, 4, 9, 10]
    assert list(retry_waits(1, 10)) == []
    unlimited = retry_waits(0, 3)
    assert [next(unlimited) for _ in range(4)] == [1, 3, 3, 3]


def test_host_details_are_the_first_rows_as_text() -> None:
    details = host_details(Engine())
    assert {"os_version", "osquery_info", "system_info"} <= set(details)
    assert details["osquery_info"]["build_platform"] == "linux"
    assert all(isinstance(v, str) for row in details.values() for v in row.values())
