"""curl: real GET requests to HTTP and HTTPS servers on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from local_servers import make_pki, reply, serve

from hostql.tables.utility.curl import curl
from hostql.testing import engine_for, run_table


def test_get_reports_status_size_body_and_time() -> None:
    with serve({"/hello": reply(200, "hi there")}) as (base, seen):
        rows = run_table(curl, "url = ?", f"{base}/hello")
    assert len(rows) == 1
    row = rows[0]
    assert row["round_trip_time"] > 0
    del row["round_trip_time"]
    assert row == {
        "url": f"{base}/hello",
        "method": "GET",
        "user_agent": "osquery",
        "response_code": 200,
        "bytes": 8,
        "result": "hi there",
    }
    assert seen[0][0] == "GET" and seen[0][2]["User-Agent"] == "osquery"


def test_several_urls_and_a_user_agent() -> None:
    routes = {"/a": reply(200, "A"), "/b": reply(404, "missing")}
    with serve(routes) as (base, seen):
        rows = run_table(
            curl,
            "url IN (?, ?) AND user_agent = ?",
            f"{base}/a",
            f"{base}/b",
            "probe/1.0",
            columns="url, user_agent, response_code, result",
        )
    assert rows == [
        {"url": f"{base}/a", "user_agent": "probe/1.0", "response_code": 200, "result": "A"},
        {"url": f"{base}/b", "user_agent": "probe/1.0", "response_code": 404, "result": "missing"},
    ]
    assert [headers["User-Agent"] for _, _, headers in seen] == ["probe/1.0", "probe/1.0"]


def test_crlf_in_the_user_agent_cannot_inject_headers() -> None:
    with serve({"/": reply(200, "ok")}) as (base, seen):
        rows = run_table(curl, "url = ? AND user_agent = ?", f"{base}/", "ua\r\nX-Evil: 1")
    # The row carries the sanitized agent, which SQLite then filters against the constraint,
    # as in osquery.
    assert rows == []
    assert seen[0][2]["User-Agent"] == "uaX-Evil: 1"
    assert "X-Evil" not in seen[0][2]


def test_redirects_are_followed() -> None:
    routes = {"/old": reply(302, "", {"Location": "/new"}), "/new": reply(200, "moved")}
    with serve(routes) as (base, seen):
        rows = run_table(curl, "url = ?", f"{base}/old", columns="response_code, result")
    assert rows == [{"response_code": 200, "result": "moved"}]
    assert [path for _, path, _ in seen] == ["/old", "/new"]


def test_https_verified_against_tls_server_certs(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    with serve({"/": reply(200, "secure")}, tls=pki) as (base, _):
        rows = run_table(
            curl,
            "url = ?",
            f"{base}/",
            columns="response_code, result",
            flags={"tls_server_certs": str(pki.ca_file)},
        )
        assert rows == [{"response_code": 200, "result": "secure"}]
        # Not trusted by the system CAs: the request fails but the row stays.
        untrusted = run_table(
            curl,
            "url = ?",
            f"{base}/",
            columns="url, method, response_code, result",
            flags={"tls_server_certs": str(tmp_path / "none.pem")},
        )
    assert untrusted == [
        {"url": f"{base}/", "method": "GET", "response_code": None, "result": None}
    ]


def test_refused_connection_gives_a_row_and_a_warning() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = engine_for(curl)
    try:
        rows = engine.query(
            f"SELECT url, response_code FROM curl WHERE url = 'http://127.0.0.1:{port}/'"
        )
        assert rows == [{"url": f"http://127.0.0.1:{port}/", "response_code": None}]
        assert any(w.startswith("Error making request") for w in engine.take_warnings())
    finally:
        engine.close()


def test_like_is_not_supported() -> None:
    engine = engine_for(curl)
    try:
        assert engine.query("SELECT * FROM curl WHERE url LIKE 'http://127.0.0.1:1/%'") == []
        assert "Using LIKE clause for url is not supported" in engine.take_warnings()
    finally:
        engine.close()


def test_two_user_agents_give_nothing() -> None:
    rows = run_table(curl, "url = ? AND user_agent IN ('a', 'b')", "http://127.0.0.1:1/")
    assert rows == []


def test_url_is_required() -> None:
    with pytest.raises(Exception, match="required"):
        run_table(curl)
