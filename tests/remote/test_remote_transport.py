"""The HTTPS transport against the real test server: verification, mTLS, proxy, failures."""

from __future__ import annotations

import gzip
import json
import ssl
import time

import pytest
from tls_pki import Pki
from tls_server import CONFIG, ENROLL, LOG, SECRET, ConnectProxy, TlsServer

from hostql.remote.transport import (
    NodeInvalidError,
    TlsSettings,
    Transport,
    TransportError,
    check_response,
    make_context,
    split_host_port,
    user_agent,
)


def transport(server: TlsServer, pki: Pki, **settings: object) -> Transport:
    options: dict[str, object] = {"hostname": server.hostname, "server_certs": str(pki.ca)}
    options.update(settings)
    return Transport(TlsSettings(**options))  # type: ignore[arg-type]


def enroll(client: Transport) -> str:
    return str(client.post(ENROLL, {"enroll_secret": SECRET})["node_key"])


def test_post_sends_osquerys_headers_and_a_json_body(tls_server: TlsServer, pki: Pki) -> None:
    client = transport(tls_server, pki)
    key = enroll(client)
    answer = client.post(LOG, {"node_key": key, "log_type": "result", "data": []}, node_key=key)
    assert answer == {}
    request = tls_server.received(LOG)[-1]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == user_agent()
    assert request.headers["Authorization"] == f"NodeKey {key}"
    assert request.body == {"node_key": key, "log_type": "result", "data": []}
    assert "Authorization" not in tls_server.received(ENROLL)[-1].headers


def test_connections_are_reused_between_requests(tls_server: TlsServer, pki: Pki) -> None:
    client = transport(tls_server, pki)
    key = enroll(client)
    first = client._connection(client.host, client.port)
    for _ in range(3):
        client.post(CONFIG, {"node_key": key})
    assert client._connection(client.host, client.port) is first


def test_gzip_request_bodies(tls_server: TlsServer, pki: Pki) -> None:
    client = transport(tls_server, pki)
    key = enroll(client)
    client.post(LOG, {"node_key": key, "log_type": "status", "data": [{"a": 1}]}, compress=True)
    request = tls_server.received(LOG)[-1]
    assert request.compressed and request.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(request.raw))["data"] == [{"a": 1}]


def test_server_signed_by_another_ca_is_refused(tls_server: TlsServer, pki: Pki) -> None:
    client = transport(tls_server, pki, server_certs=str(pki.other_ca))
    with pytest.raises(TransportError, match="certificate verify failed"):
        enroll(client)
    assert tls_server.received(ENROLL, answered_only=False) == []


def test_hostname_must_match_the_certificate(tls_server: TlsServer, pki: Pki) -> None:
    # The certificate names localhost and 127.0.0.1, not 127.0.0.2's name.
    client = transport(tls_server, pki, hostname=f"127.0.0.2:{tls_server.port}")
    with pytest.raises(TransportError):
        enroll(client)


def test_verification_cannot_be_disabled(pki: Pki) -> None:
    context = make_context(TlsSettings("127.0.0.1:1", str(pki.ca)))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(TransportError, match="tls_server_certs is empty"):
        make_context(TlsSettings("127.0.0.1:1", ""))
    with pytest.raises(TransportError, match="cannot load --tls_server_certs"):
        make_context(TlsSettings("127.0.0.1:1", "/nonexistent/ca.pem"))


def test_client_certificate_for_mutual_tls(pki: Pki) -> None:
    server = TlsServer(pki, require_client_cert=True).start()
    try:
        anonymous = transport(server, pki)
        with pytest.raises(TransportError):
            enroll(anonymous)
        client = transport(
            server, pki, client_cert=str(pki.client_cert), client_key=str(pki.client_key)
        )
        enroll(client)
        assert server.received(ENROLL)[-1].client_cn == "hostql-test-node"
    finally:
        server.stop()
    with pytest.raises(TransportError, match="go together"):
        make_context(TlsSettings("x", str(pki.ca), client_cert=str(pki.client_cert)))


def test_requests_tunnel_through_a_connect_proxy(tls_server: TlsServer, pki: Pki) -> None:
    proxy = ConnectProxy()
    try:
        client = transport(tls_server, pki, proxy=proxy.hostname)
        enroll(client)
        assert proxy.targets == [tls_server.hostname]
    finally:
        proxy.close()


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("500", "HTTP 500"),
        ("garbage", "response is not JSON"),
        ("close_mid_body", "connection closed mid-response"),
        ("reset", "connection closed without a response"),
        ("error", "Request failed: the server refuses this request"),
    ],
)
def test_server_failures_raise_one_line_errors(
    tls_server: TlsServer, pki: Pki, kind: str, reason: str
) -> None:
    client = transport(tls_server, pki)
    tls_server.misbehave(ENROLL, kind)
    with pytest.raises(TransportError) as caught:
        enroll(client)
    message = str(caught.value)
    assert reason in message and "\n" not in message
    assert message.startswith(f"POST https://{tls_server.hostname}/enroll: ")
    enroll(client)  # the next request works again, on a fresh connection


def test_slow_server_times_out(tls_server: TlsServer, pki: Pki) -> None:
    client = transport(tls_server, pki, timeout=0.5)
    tls_server.misbehave(ENROLL, "slow", delay=2.0)
    began = time.monotonic()
    with pytest.raises(TransportError, match="timed out"):
        enroll(client)
    assert time.monotonic() - began < 1.5


def test_server_down_is_connection_refused(tls_server: TlsServer, pki: Pki) -> None:
    client = transport(tls_server, pki)
    enroll(client)
    tls_server.stop()
    with pytest.raises(TransportError, match=r"connection refused|closed"):
        enroll(client)
    tls_server.start()
    enroll(client)


def test_node_invalid_is_its_own_error(tls_server: TlsServer, pki: Pki) -> None:
    client = transport(tls_server, pki)
    with pytest.raises(NodeInvalidError, match="Invalid node key"):
        client.post(CONFIG, {"node_key": "unknown"})


def test_check_response_rules() -> None:
    assert check_response({"node_invalid": False, "a": 1}, "w") == {"node_invalid": False, "a": 1}
    with pytest.raises(NodeInvalidError, match="Invalid node key: gone"):
        check_response({"node_invalid": True, "error": "gone"}, "w")
    with pytest.raises(TransportError, match="<unknown>"):
        check_response({"error": 5}, "w")
    with pytest.raises(TransportError, match="not a JSON object"):
        check_response([1], "w")


def test_split_host_port() -> None:
    assert split_host_port("example.com") == ("example.com", 443)
    assert split_host_port("example.com:8443") == ("example.com", 8443)
    assert split_host_port("[::1]:9000") == ("::1", 9000)
    with pytest.raises(TransportError):
        split_host_port("host:port")
