"""The HTTP client: redirects, bounded timeouts, and the TLS peer probe (127.0.0.1 only)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from hostql.host.http_client import HttpError, peer_certificate, request


def _server(handler: Callable[[socket.socket], None]) -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def loop() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _answer(raw: bytes) -> Callable[[socket.socket], None]:
    def handle(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(raw)

    return handle


@pytest.fixture
def redirect_loop() -> Iterator[int]:
    yield from _server(
        _answer(b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n")
    )


@pytest.fixture
def no_location() -> Iterator[int]:
    yield from _server(_answer(b"HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n"))


@pytest.fixture
def silent() -> Iterator[int]:
    def hold(conn: socket.socket) -> None:
        time.sleep(3)
        conn.close()

    yield from _server(hold)


def test_redirect_loops_end_after_ten(redirect_loop: int) -> None:
    with pytest.raises(HttpError, match="Exceeded max of 10 redirects"):
        request(f"http://127.0.0.1:{redirect_loop}/")
    response = request(f"http://127.0.0.1:{redirect_loop}/", follow_redirects=False)
    assert (response.status, response.headers["location"]) == (302, "/again")


def test_a_redirect_without_location_fails(no_location: int) -> None:
    with pytest.raises(HttpError, match="Location header missing"):
        request(f"http://127.0.0.1:{no_location}/")


def test_a_silent_server_times_out_within_the_bound(silent: int) -> None:
    start = time.monotonic()
    with pytest.raises(HttpError):
        request(f"http://127.0.0.1:{silent}/", timeout=0.3, connect_timeout=0.2)
    assert time.monotonic() - start < 1.5


def test_bad_urls() -> None:
    for url in ("ftp://127.0.0.1/", "http:///nohost", "http://127.0.0.1:99999/"):
        with pytest.raises(HttpError):
            request(url, timeout=1)


def test_the_tls_probe_of_a_plain_server_fails(silent: int) -> None:
    with pytest.raises(HttpError):
        peer_certificate("127.0.0.1", silent, 0.3)
