"""Bad input on the extensions socket costs the sender its connection, never the core."""

from __future__ import annotations

import os
import resource
import socket
import struct
import time
from collections.abc import Iterator

import pytest

from hostql.extensions import interface as idl
from hostql.extensions.client import RemoteError, ThriftClient
from hostql.extensions.manager import ExtensionManager
from hostql.extensions.thrift_protocol import (
    CALL,
    MAP,
    REPLY,
    STRING,
    STRUCT,
    Limits,
    Struct,
    encode_message,
)


@pytest.fixture
def raw(manager: ExtensionManager) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(manager.socket_path)
    yield sock
    sock.close()


def still_serving(manager: ExtensionManager) -> None:
    with ThriftClient(manager.socket_path, call_timeout=5) as client:
        assert client.ping()["code"] == 0
        assert client.query("select 1 as one")["response"] == [{"one": "1"}]


def dropped(sock: socket.socket) -> bool:
    """Whether the server closed the connection (EOF or reset)."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def header(method: str) -> bytes:
    """A strict call header for method, without its arguments."""
    return encode_message(method, CALL, 1, Struct("a", ()), {})[:-1]


def test_garbage_bytes(manager: ExtensionManager, raw: socket.socket) -> None:
    raw.sendall(os.urandom(4096) + b"\x80\x01\x00\x01" + b"\xff" * 64)
    assert dropped(raw)
    still_serving(manager)


def test_a_100_mb_length_header_is_refused_without_reading_it(
    manager: ExtensionManager, raw: socket.socket
) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # A strict header whose method name claims 100 MB, then an old-style one (which is also
    # how a framed-transport length prefix reads).
    raw.sendall(struct.pack(">iI", -2147418111, 100 * 1024 * 1024) + b"x" * 1024)
    assert dropped(raw)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
        other.settimeout(10)
        other.connect(manager.socket_path)
        other.sendall(struct.pack(">i", 100 * 1024 * 1024) + b"x" * 1024)
        assert dropped(other)
    # A query string claiming 100 MB inside a well-formed call.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as third:
        third.settimeout(10)
        third.connect(manager.socket_path)
        third.sendall(header("query") + struct.pack(">bhi", STRING, 1, 100 * 1024 * 1024))
        assert dropped(third)
    still_serving(manager)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50 * 1024


def test_a_huge_container_count_is_refused(manager: ExtensionManager, raw: socket.socket) -> None:
    registry = struct.pack(">bh", MAP, 2) + struct.pack(">bbi", STRING, MAP, 2**31 - 1)
    raw.sendall(header("registerExtension") + registry)
    assert dropped(raw)
    still_serving(manager)


def test_deep_nesting_is_refused(manager: ExtensionManager, raw: socket.socket) -> None:
    raw.sendall(header("ping") + struct.pack(">bh", STRUCT, 7) * 500)
    assert dropped(raw)
    still_serving(manager)


def test_an_unknown_method_is_answered_and_the_connection_kept(manager: ExtensionManager) -> None:
    with ThriftClient(manager.socket_path) as client:
        client._connection()[0].sendall(header("noSuchMethod") + b"\x00")
        # The client's own next call reads the exception first: reconnect and go on.
        with pytest.raises(RemoteError, match="Unknown function noSuchMethod"):
            client._reply(client._connection()[1], "noSuchMethod", Struct("r", ()), 5)
    still_serving(manager)


def test_a_reply_sent_to_the_server_ends_that_connection(
    manager: ExtensionManager, raw: socket.socket
) -> None:
    raw.sendall(encode_message("ping", REPLY, 1, idl.MANAGER_METHODS["ping"][1], {}))
    assert dropped(raw) or dropped(raw)
    still_serving(manager)


def test_duplicate_registration_is_refused(manager: ExtensionManager) -> None:
    info = {"name": "twice", "version": "1", "sdk_version": "5.0.0"}
    with ThriftClient(manager.socket_path) as client:
        assert client.register_extension(info, {})["code"] == 0
        assert client.register_extension(info, {}) == {
            "code": 1,
            "message": "Duplicate extension registered",
            "uuid": 0,
        }
    still_serving(manager)


def test_a_client_that_disconnects_mid_call(manager: ExtensionManager) -> None:
    message = encode_message(
        "registerExtension",
        CALL,
        1,
        idl.MANAGER_METHODS["registerExtension"][0],
        {"info": {"name": "half", "sdk_version": "5.0.0"}, "registry": {}},
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as half:
        half.connect(manager.socket_path)
        half.sendall(message[: len(message) // 2])
    # And one that asks for a large answer and leaves without reading it.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as rude:
        rude.connect(manager.socket_path)
        query = "with recursive n(i) as (select 1 union all select i + 1 from n limit 50000) "
        rude.sendall(
            encode_message(
                "query",
                CALL,
                1,
                idl.MANAGER_METHODS["query"][0],
                {"sql": query + "select i, 'padding padding padding' as p from n"},
            )
        )
    still_serving(manager)
    assert manager.named("half") is None


def test_a_stalled_client_is_dropped_and_others_are_served_meanwhile(
    manager: ExtensionManager,
) -> None:
    manager.server.limits = Limits(message_timeout=0.5)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stalled:
        stalled.settimeout(10)
        stalled.connect(manager.socket_path)
        stalled.sendall(header("query") + struct.pack(">bhi", STRING, 1, 100))
        still_serving(manager)
        started = time.monotonic()
        assert dropped(stalled)
        assert time.monotonic() - started < 5


def test_connections_beyond_the_limit_are_refused_then_served_again(
    manager: ExtensionManager,
) -> None:
    idle = []
    for _ in range(manager.server.max_connections + 5):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        for _attempt in range(100):
            try:
                sock.connect(manager.socket_path)
                break
            except BlockingIOError:  # the listen backlog is full: the server is accepting
                time.sleep(0.01)
        idle.append(sock)
    try:
        assert dropped(idle[-1])
    finally:
        for sock in idle:
            sock.close()
    time.sleep(1)  # the server notices the closed connections at its next poll
    still_serving(manager)
