"""unix_http: HTTP/1.1 GET over a unix socket against scripted servers; JSON value rules."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostql.host.unix_http import (
    SocketMissing,
    UnixHttpError,
    field,
    flag,
    get,
    get_json,
    integer,
    strings,
    text,
    wrap_int64,
)

Serve = Callable[..., tuple[str, list[bytes]]]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """Start a server that answers every connection with a script of bytes and pauses."""
    listeners: list[socket.socket] = []

    def start(*script: bytes | float, name: str = "api.sock") -> tuple[str, list[bytes]]:
        path = tmp_path / name
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen()
        listeners.append(listener)
        requests: list[bytes] = []

        def run() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    data = b""
                    while b"\r\n\r\n" not in data and (more := conn.recv(4096)):
                        data += more
                    requests.append(data)
                    try:
                        for step in script:
                            if isinstance(step, float):
                                time.sleep(step)
                            else:
                                conn.sendall(step)
                    except OSError:
                        pass  # the client gave up

        threading.Thread(target=run, daemon=True).start()
        return str(path), requests

    yield start
    for listener in listeners:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()


def test_a_content_length_answer(serve: Serve) -> None:
    path, requests = serve(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
        b"Content-Length: 16\r\n\r\n",
        b'{"Version": "1"}',
    )
    assert get_json(path, "/version") == {"Version": "1"}
    assert requests[0].startswith(b"GET /version HTTP/1.1\r\nHost: localhost\r\n")
    assert b"\r\nConnection: close\r\n" in requests[0]


def test_the_body_ends_at_its_length_even_if_the_server_lingers(serve: Serve) -> None:
    path, _ = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", 3.0)
    started = time.monotonic()
    assert get_json(path, "/x", timeout=2) == []
    assert time.monotonic() - started < 1


def test_a_chunked_answer(serve: Serve) -> None:
    path, _ = serve(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"5;ext=1\r\n[1, 2\r\n",
        0.05,
        b"3\r\n, 3\r\nA\r\n, 4, 5, 6]\r\n0\r\n\r\n",
    )
    assert get_json(path, "/x") == [1, 2, 3, 4, 5, 6]


def test_an_answer_that_ends_when_the_server_closes(serve: Serve) -> None:
    path, _ = serve(b"HTTP/1.0 200 OK\r\n\r\n", b'{"a":', 0.05, b" 1}")
    response = get(path, "/x")
    assert (response.status, response.reason, response.body) == (200, "OK", b'{"a": 1}')


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ((b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",), "truncated response: 2 of 10"),
        ((b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",), "malformed chunk"),
        ((b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",), "truncated"),
        ((b"SSH-2.0-OpenSSH_9.2\r\n\r\n",), "malformed status line"),
        ((b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",), "malformed header"),
        ((b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",), "malformed Content-Length"),
        ((b"HTTP/1.1 200",), "connection closed mid-response"),
        ((b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{not json",), "invalid JSON"),
    ],
)
def test_broken_answers_raise_one_error(serve: Serve, script: tuple[bytes], message: str) -> None:
    path, _ = serve(*script)
    with pytest.raises(UnixHttpError, match=message):
        get_json(path, "/x")


def test_a_silent_server_times_out(serve: Serve) -> None:
    path, _ = serve(5.0)
    started = time.monotonic()
    with pytest.raises(UnixHttpError, match=r"timed out after 0\.3 s"):
        get(path, "/x", timeout=0.3)
    assert time.monotonic() - started < 1.0


def test_the_time_limit_covers_the_whole_exchange(serve: Serve) -> None:
    drip = [b"HTTP/1.1 200 OK\r\n"] + [0.05, b"X-Drip: 1\r\n"] * 100
    path, _ = serve(*drip)
    started = time.monotonic()
    with pytest.raises(UnixHttpError, match="timed out"):
        get(path, "/x", timeout=0.4)
    assert time.monotonic() - started < 1.0


def test_answers_beyond_the_size_limit_are_refused(serve: Serve) -> None:
    path, _ = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"x" * 100)
    with pytest.raises(UnixHttpError, match="size limit"):
        get(path, "/x", max_bytes=50)
    path, _ = serve(b"HTTP/1.1 200 OK\r\n\r\n", b"y" * 5000, name="close.sock")
    with pytest.raises(UnixHttpError, match="size limit"):
        get(path, "/x", max_bytes=1000)


def test_http_errors_carry_the_status_and_the_api_message(serve: Serve) -> None:
    path, _ = serve(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 42\r\n\r\n",
        b'{"message":"No such container: deadbeef"}\n',
    )
    with pytest.raises(UnixHttpError, match=r"^HTTP 500: No such container: deadbeef$") as raised:
        get_json(path, "/containers/deadbeef/json")
    assert raised.value.status == 500


def test_an_lxd_error_body(serve: Serve) -> None:
    body = b'{"type":"error","error":"not found","error_code":404,"metadata":null}'
    path, _ = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    with pytest.raises(UnixHttpError, match=r"^HTTP 404: not found$"):
        get_json(path, "/1.0/instances/x")


def test_no_socket_file_is_socket_missing(tmp_path: Path) -> None:
    with pytest.raises(SocketMissing):
        get(str(tmp_path / "docker.sock"), "/info")


def test_a_socket_nobody_listens_on_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as stale:
        stale.bind(str(path))
    with pytest.raises(UnixHttpError, match="Connection refused") as raised:
        get(str(path), "/info")
    assert not isinstance(raised.value, SocketMissing)


def test_a_path_longer_than_sun_path_is_reached(serve: Serve, tmp_path: Path) -> None:
    path, _ = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ntrue")
    deep = tmp_path.joinpath(*["d" * 40] * 3)
    deep.mkdir(parents=True)
    os.link(path, deep / "docker.sock")
    assert len(str(deep / "docker.sock")) > 108
    assert get_json(str(deep / "docker.sock"), "/_ping") is True


def test_field_walks_objects() -> None:
    document = {"State": {"Pid": 7, "Health": None}, "List": [1]}
    assert field(document, "State", "Pid") == 7
    assert field(document, "State", "Health", "Status") is None
    assert field(document, "List", "0") is None
    assert field(None, "a") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("x", "x"), (None, ""), (12, "12"), (1.5, "1.5"), (True, "true"), ({"a": 1}, ""), ([1], "")],
)
def test_text(value: object, expected: str) -> None:
    assert text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("42", 42),
        (" 7 ", 7),
        ("0x10", 0),
        (1.5, 0),
        (True, 0),
        (None, 0),
        (2**63 - 1, 2**63 - 1),
        (2**64 - 1, None),
        (-(2**63), -(2**63)),
    ],
)
def test_integer(value: object, expected: int | None) -> None:
    assert integer(value) == expected


def test_integer_default() -> None:
    assert integer(None, None) is None
    assert integer("n/a", -1) == -1


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, 1), (False, 0), ("true", 1), ("1", 1), ("no", 0), (1, 1), (2, 0), (None, 0)],
)
def test_flag(value: object, expected: int) -> None:
    assert flag(value) == expected


def test_strings() -> None:
    assert strings(["a", 1, None]) == ["a", "1", ""]
    assert strings("/entrypoint.sh") == ["/entrypoint.sh"]
    assert strings(None) == []


def test_wrap_int64() -> None:
    assert wrap_int64(2**63) == -(2**63)
    # Docker's first stats sample: (read - year 1) in nanoseconds, as a C++ long holds it.
    assert wrap_int64((1709402264 + 62135596800) * 10**9) == 8504766842871345152
    assert wrap_int64(-5) == -5
