"""The Thrift server on the extensions socket: a thread per connection, every read bounded."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from hostql.extensions.interface import MANAGER_METHODS
from hostql.extensions.thrift_protocol import (
    APPLICATION_EXCEPTION,
    CALL,
    EXCEPTION,
    INTERNAL_ERROR,
    INVALID_MESSAGE_TYPE,
    ONEWAY,
    REPLY,
    STRUCT,
    UNKNOWN_METHOD,
    ConnectionClosed,
    Limits,
    ProtocolError,
    Struct,
    encode_message,
)
from hostql.extensions.thrift_reader import Reader

# method name, decoded args -> the method's result value.
Handler = Callable[[str, dict[str, Any]], Any]
_POLL = 0.5  # seconds between checks for stop() while a connection or the listener is idle
_SEND_TIMEOUT = 30.0


def socket_answers(path: str, timeout: float = 0.5) -> bool:
    """Whether something accepts connections on the UNIX socket at path."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(path)
    except OSError:
        return False
    finally:
        probe.close()
    return True


def bind_private_socket(path: str) -> socket.socket:
    """A listening socket at path that only our user can connect to (mode 0600)."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if os.path.lexists(path):
        if socket_answers(path):
            raise OSError(errno.EADDRINUSE, f"{path} is in use by another running process")
        os.unlink(path)
    # Bound under a temporary name and renamed once private, so no client can ever reach
    # the socket while its mode is still the umask's.
    temporary = f"{path}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(temporary)
        os.chmod(temporary, 0o600)
        os.rename(temporary, path)
        sock.listen(128)
    except OSError:
        sock.close()
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return sock


class ThriftServer:
    """Serves methods on a UNIX socket until stop(); bad clients lose their connection only."""

    def __init__(
        self,
        path: str,
        handler: Handler,
        *,
        methods: dict[str, tuple[Struct, Struct]] = MANAGER_METHODS,
        limits: Limits | None = None,
        max_connections: int = 64,
        on_error: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.path = path
        self.handler = handler
        self.methods = methods
        self.limits = limits or Limits()
        self.max_connections = max_connections
        self.on_error = on_error
        self._listener: socket.socket | None = None
        self._inode: tuple[int, int] | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind the socket and start accepting."""
        self._listener = bind_private_socket(self.path)
        info = os.stat(self.path)
        self._inode = (info.st_dev, info.st_ino)
        self._listener.settimeout(_POLL)
        self._thread = threading.Thread(
            target=self._accept_loop, name="hostql-extensions-accept", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close every connection and remove the socket file."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            info = os.stat(self.path)
            if (info.st_dev, info.st_ino) == self._inode:
                os.unlink(self.path)

    @property
    def connection_count(self) -> int:
        """Clients connected right now."""
        with self._lock:
            return len(self._connections)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if self._stopping.is_set():
                    return
                self.on_error(f"extensions socket accept failed: {exc}")
                self._stopping.wait(_POLL)
                continue
            with self._lock:
                if len(self._connections) >= self.max_connections:
                    conn.close()
                    self.on_error("extensions socket: too many connections, one refused")
                    continue
                self._connections.add(conn)
            threading.Thread(
                target=self._serve, args=(conn,), name="hostql-extensions-conn", daemon=True
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        reader = Reader(conn, self.limits)
        try:
            while not self._stopping.is_set():
                try:
                    name, kind, seqid = reader.read_message_begin(wait=_POLL)
                except TimeoutError:
                    continue
                self._answer(conn, reader, name, kind, seqid)
        except ConnectionClosed:
            pass
        except (ProtocolError, OSError) as exc:
            self.on_error(f"extensions socket: dropped a client: {exc}")
        finally:
            with self._lock:
                self._connections.discard(conn)
            conn.close()

    def _answer(
        self, conn: socket.socket, reader: Reader, name: str, kind: int, seqid: int
    ) -> None:
        if kind not in (CALL, ONEWAY):
            self._fail(conn, name, seqid, INVALID_MESSAGE_TYPE, f"Invalid message type {kind}")
            raise ProtocolError(f"message type {kind} is not a call")
        spec = self.methods.get(name)
        if spec is None:
            reader.skip(STRUCT)
            self._fail(conn, name, seqid, UNKNOWN_METHOD, f"Unknown function {name}")
            return
        args_spec, result_spec = spec
        args = reader.read_struct(args_spec)
        try:
            result = self.handler(name, args)
        except Exception as exc:  # a failing handler answers this call, the server goes on
            self.on_error(f"extensions socket: {name} failed: {type(exc).__name__}: {exc}")
            if kind == CALL:
                self._fail(conn, name, seqid, INTERNAL_ERROR, "Internal error")
            return
        if kind == CALL:
            self._send(conn, encode_message(name, REPLY, seqid, result_spec, {"success": result}))

    def _fail(self, conn: socket.socket, name: str, seqid: int, kind: int, message: str) -> None:
        error = {"message": message, "type": kind}
        self._send(conn, encode_message(name, EXCEPTION, seqid, APPLICATION_EXCEPTION, error))

    def _send(self, conn: socket.socket, data: bytes) -> None:
        conn.settimeout(_SEND_TIMEOUT)
        conn.sendall(data)
