"""The Thrift codec: it reads what Apache Thrift writes, and no input makes it overreach."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from hostql.extensions import interface as idl
from hostql.extensions.thrift_protocol import (
    CALL,
    REPLY,
    ROWS,
    STRING,
    STRUCT,
    ConnectionClosed,
    Field,
    Limits,
    ListOf,
    MapOf,
    ProtocolError,
    Struct,
    encode_message,
)
from hostql.extensions.thrift_reader import Reader


@pytest.fixture
def pipe() -> Iterator[tuple[socket.socket, socket.socket]]:
    left, right = socket.socketpair()
    yield left, right
    left.close()
    right.close()


def reader_for(data: bytes, limits: Limits | None = None, close: bool = True) -> Reader:
    left, right = socket.socketpair()

    # A writer thread: the data may be larger than the socket buffer.
    def send() -> None:
        with contextlib.suppress(OSError):  # the reader may give up first
            left.sendall(data)
            if close:
                left.shutdown(socket.SHUT_WR)

    threading.Thread(target=send, daemon=True).start()
    reader = Reader(right, limits)
    reader.peer = left  # type: ignore[attr-defined]  # kept open: a stall, not an EOF
    return reader


def thrift_transport() -> tuple[Any, Any]:
    """Apache Thrift's own TBinaryProtocol over a memory buffer (installed with osquery's SDK)."""
    pytest.importorskip("osquery")
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TTransport

    buffer = TTransport.TMemoryBuffer()
    return buffer, TBinaryProtocol.TBinaryProtocol(buffer)


def test_a_call_written_by_apache_thrift_decodes() -> None:
    pytest.importorskip("osquery")  # Apache Thrift comes with osquery's SDK
    from osquery.extensions import ExtensionManager as generated
    from osquery.extensions.ttypes import InternalExtensionInfo

    buffer, protocol = thrift_transport()
    client = generated.Client(protocol)
    info = InternalExtensionInfo(name="e", version="1", sdk_version="3.0.7", min_sdk_version="1")
    client.send_registerExtension(info, {"table": {"t": [{"id": "column", "name": "c"}]}})
    reader = reader_for(buffer.getvalue())
    name, kind, seqid = reader.read_message_begin()
    assert (name, kind, seqid) == ("registerExtension", CALL, 0)
    args = reader.read_struct(idl.MANAGER_METHODS["registerExtension"][0])
    assert args["info"] == {
        "name": "e",
        "version": "1",
        "sdk_version": "3.0.7",
        "min_sdk_version": "1",
    }
    assert args["registry"] == {"table": {"t": [{"id": "column", "name": "c"}]}}


def test_a_reply_we_write_decodes_with_apache_thrift() -> None:
    pytest.importorskip("osquery")  # Apache Thrift comes with osquery's SDK
    from osquery.extensions import ExtensionManager as generated
    from thrift.transport import TTransport

    rows = [{"a": "1", "b": "x"}, {"a": "2", "b": ""}]
    data = encode_message(
        "query", REPLY, 7, idl.MANAGER_METHODS["query"][1], {"success": idl.response(0, "OK", rows)}
    )
    from thrift.protocol import TBinaryProtocol

    protocol = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(data))
    name, kind, seqid = protocol.readMessageBegin()
    assert (name, kind, seqid) == ("query", REPLY, 7)
    result = generated.query_result()
    result.read(protocol)
    assert result.success.status.code == 0
    assert result.success.response == rows


def test_round_trip_of_every_manager_result() -> None:
    values: dict[str, Any] = {
        "ping": idl.status(0, "pong", 5),
        "extensions": {
            3: {"name": "n", "version": "v", "sdk_version": "s", "min_sdk_version": "m"}
        },
        "options": {"verbose": {"value": "false", "default_value": "false", "type": "bool"}},
        "getQueryColumns": idl.response(0, "OK", [{"pid": "INTEGER"}]),
    }
    for method, value in values.items():
        spec = idl.MANAGER_METHODS[method][1]
        reader = reader_for(encode_message(method, REPLY, 1, spec, {"success": value}))
        assert reader.read_message_begin() == (method, REPLY, 1)
        assert reader.read_struct(spec) == {"success": value}


def test_rows_as_apache_thrift_writes_them() -> None:
    pytest.importorskip("osquery")  # Apache Thrift comes with osquery's SDK
    from osquery.extensions.ttypes import ExtensionResponse, ExtensionStatus

    buffer, protocol = thrift_transport()
    rows = [{"k": str(i), "é": "v" * (i % 5)} for i in range(300)]
    rows.append({})
    protocol.writeMessageBegin("call", REPLY, 4)
    protocol.writeStructBegin("call_result")
    protocol.writeFieldBegin("success", STRUCT, 0)
    ExtensionResponse(ExtensionStatus(0, "OK", 9), rows).write(protocol)
    protocol.writeFieldEnd()
    protocol.writeFieldStop()
    protocol.writeStructEnd()
    protocol.writeMessageEnd()
    reader = reader_for(buffer.getvalue())
    assert reader.read_message_begin() == ("call", REPLY, 4)
    result = reader.read_struct(idl.EXTENSION_METHODS["call"][1])
    assert result["success"] == idl.response(0, "OK", rows, 9)


def test_a_nested_type_other_than_declared_is_a_protocol_error() -> None:
    spec = Struct("s", (Field(1, "rows", ROWS),))
    data = encode_message("m", REPLY, 1, spec, {"rows": [{"k": "v"}]})
    other = Struct("s", (Field(1, "rows", ListOf(MapOf(STRING, ListOf(STRING)))),))
    reader = reader_for(data)
    reader.read_message_begin()
    with pytest.raises(ProtocolError, match="expected Thrift type"):
        reader.read_struct(other)


def test_unknown_fields_are_skipped() -> None:
    wide = Struct("w", (Field(1, "a", STRING), Field(9, "extra", MapOf(STRING, STRING))))
    narrow = Struct("n", (Field(1, "a", STRING),))
    reader = reader_for(encode_message("m", CALL, 1, wide, {"a": "x", "extra": {"k": "v"}}))
    reader.read_message_begin()
    assert reader.read_struct(narrow) == {"a": "x"}


def test_old_style_non_strict_headers_are_read() -> None:
    body = struct.pack(">i", 4) + b"ping" + bytes([CALL]) + struct.pack(">i", 3) + b"\x00"
    reader = reader_for(body)
    assert reader.read_message_begin() == ("ping", CALL, 3)
    assert reader.read_struct(Struct("a", ())) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # A 100 MB string length: refused before anything is read or allocated.
        (struct.pack(">iI", -2147418111, 100_000_000), "exceeds the limit"),
        # An old-style header claiming a 100 MB method name (a framed-transport header reads so).
        (struct.pack(">i", 100_000_000), "too long"),
        (struct.pack(">i", -1), "bad Thrift protocol version"),
    ],
)
def test_lying_length_headers_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        reader_for(data, close=False).read_message_begin()


def test_container_counts_beyond_the_message_limit_are_refused() -> None:
    header = encode_message("m", CALL, 1, Struct("e", ()), {})[:-1]
    body = header + struct.pack(">bh", 13, 1) + struct.pack(">bbi", STRING, STRING, 2**31 - 1)
    reader = reader_for(body, Limits(max_message=1024), close=False)
    reader.read_message_begin()
    with pytest.raises(ProtocolError, match="exceeds the message limit"):
        reader.read_struct(Struct("s", (Field(1, "m", MapOf(STRING, STRING)),)))


def test_deep_nesting_is_refused() -> None:
    header = encode_message("m", CALL, 1, Struct("e", ()), {})[:-1]
    nested = struct.pack(">bh", STRUCT, 1) * 200
    reader = reader_for(header + nested, close=False)
    reader.read_message_begin()
    with pytest.raises(ProtocolError, match="nested too deeply"):
        reader.read_struct(Struct("e", ()))


def test_a_message_larger_than_the_limit_is_refused() -> None:
    spec = Struct("s", (Field(1, "text", STRING),))
    data = encode_message("m", CALL, 1, spec, {"text": "x" * 1_000_000})
    reader = reader_for(data, Limits(max_message=65536))
    reader.read_message_begin()
    with pytest.raises(ProtocolError, match="exceeds 65536 bytes"):
        reader.read_struct(spec)


def test_truncated_messages_and_stalls_end_the_read() -> None:
    spec = Struct("s", (Field(1, "text", STRING),))
    data = encode_message("m", CALL, 1, spec, {"text": "hello"})
    truncated = reader_for(data[:-4])
    truncated.read_message_begin()
    with pytest.raises(ConnectionClosed):
        truncated.read_struct(spec)
    stalled = reader_for(data[:-4], Limits(message_timeout=0.3), close=False)
    stalled.read_message_begin()
    with pytest.raises(ProtocolError, match="timed out in the middle"):
        stalled.read_struct(spec)


def test_waiting_for_a_message_times_out_without_consuming(pipe: tuple[socket.socket, ...]) -> None:
    left, right = pipe
    reader = Reader(right)
    with pytest.raises(TimeoutError):
        reader.read_message_begin(wait=0.05)
    left.sendall(encode_message("ping", CALL, 9, Struct("a", ()), {}))
    assert reader.read_message_begin(wait=1) == ("ping", CALL, 9)


def test_a_clean_close_between_messages_is_connection_closed(
    pipe: tuple[socket.socket, ...],
) -> None:
    left, right = pipe
    left.close()
    with pytest.raises(ConnectionClosed):
        Reader(right).read_message_begin(wait=1)
