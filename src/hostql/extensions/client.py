"""A Thrift client on a UNIX socket: to an extension (<socket>.<uuid>) or to a running core."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from hostql.extensions.interface import MANAGER_METHODS
from hostql.extensions.thrift_protocol import (
    APPLICATION_EXCEPTION,
    CALL,
    EXCEPTION,
    REPLY,
    Limits,
    ProtocolError,
    Struct,
    encode_message,
)
from hostql.extensions.thrift_reader import Reader

# Table responses can be large: allow more than the server accepts in a request.
RESPONSE_LIMITS = Limits(max_message=1024 * 1024 * 1024, max_string=64 * 1024 * 1024)


class CallError(Exception):
    """A call did not complete: the peer is unreachable, went away, timed out or spoke garbage."""


class CallTimeout(CallError):
    """The peer took longer than the call timeout to answer."""


class RemoteError(CallError):
    """The peer answered with a TApplicationException (unknown method, internal error...)."""


class ThriftClient:
    """One persistent connection; calls are serialized (osquery-python serves one at a time)."""

    def __init__(
        self,
        path: str,
        *,
        connect_timeout: float = 1.0,
        call_timeout: float = 30.0,
        limits: Limits = RESPONSE_LIMITS,
    ) -> None:
        self.path = path
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.limits = limits
        self.lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: Reader | None = None
        self._seqid = 0

    def __enter__(self) -> ThriftClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the connection (the next call opens a new one)."""
        with self.lock:
            self._drop()

    def invoke(self, method: str, timeout: float | None = None, **args: Any) -> Any:
        """Call method with args and return its 'success' value (None for void methods)."""
        with self.lock:
            return self._invoke(method, args, timeout)

    def try_invoke(
        self, method: str, wait: float, timeout: float | None = None, **args: Any
    ) -> tuple[bool, Any]:
        """(False, None) when another call holds the connection for more than wait seconds."""
        if not self.lock.acquire(timeout=wait):
            return False, None
        try:
            return True, self._invoke(method, args, timeout)
        finally:
            self.lock.release()

    # -- the calls of both services ------------------------------------------------------------

    def ping(self) -> dict[str, Any]:
        """Extension.ping -> ExtensionStatus."""
        return self.invoke("ping")  # type: ignore[no-any-return]

    def call(self, registry: str, item: str, request: dict[str, str]) -> dict[str, Any]:
        """Extension.call -> ExtensionResponse."""
        result = self.invoke("call", registry=registry, item=item, request=request)
        return result  # type: ignore[no-any-return]

    def shutdown(self) -> None:
        """Extension.shutdown."""
        self.invoke("shutdown")

    def extensions(self) -> dict[int, dict[str, str]]:
        """ExtensionManager.extensions -> uuid -> InternalExtensionInfo."""
        return self.invoke("extensions")  # type: ignore[no-any-return]

    def options(self) -> dict[str, dict[str, str]]:
        """ExtensionManager.options -> flag -> InternalOptionInfo."""
        return self.invoke("options")  # type: ignore[no-any-return]

    def register_extension(
        self, info: dict[str, str], registry: dict[str, dict[str, list[dict[str, str]]]]
    ) -> dict[str, Any]:
        """ExtensionManager.registerExtension -> ExtensionStatus."""
        return self.invoke("registerExtension", info=info, registry=registry)  # type: ignore[no-any-return]

    def deregister_extension(self, uuid: int) -> dict[str, Any]:
        """ExtensionManager.deregisterExtension -> ExtensionStatus."""
        return self.invoke("deregisterExtension", uuid=uuid)  # type: ignore[no-any-return]

    def query(self, sql: str) -> dict[str, Any]:
        """ExtensionManager.query -> ExtensionResponse (rows as text)."""
        return self.invoke("query", sql=sql)  # type: ignore[no-any-return]

    def get_query_columns(self, sql: str) -> dict[str, Any]:
        """ExtensionManager.getQueryColumns -> ExtensionResponse ({name: type} per column)."""
        return self.invoke("getQueryColumns", sql=sql)  # type: ignore[no-any-return]

    # -- the wire --------------------------------------------------------------------------------

    def _invoke(self, method: str, args: dict[str, Any], timeout: float | None) -> Any:
        args_spec, result_spec = MANAGER_METHODS[method]
        try:
            sock, reader = self._connection()
            self._seqid = (self._seqid + 1) & 0x7FFFFFFF
            sock.settimeout(self.call_timeout)
            sock.sendall(encode_message(method, CALL, self._seqid, args_spec, args))
            return self._reply(reader, method, result_spec, timeout or self.call_timeout)
        except TimeoutError:
            self._drop()
            raise CallTimeout(f"{method} on {self.path} timed out") from None
        except RemoteError:
            self._drop()
            raise
        except (OSError, ProtocolError) as exc:
            self._drop()
            raise CallError(f"{method} on {self.path} failed: {exc}") from None

    def _reply(self, reader: Reader, method: str, spec: Struct, timeout: float) -> Any:
        name, kind, seqid = reader.read_message_begin(wait=timeout)
        if kind == EXCEPTION:
            error = reader.read_struct(APPLICATION_EXCEPTION)
            raise RemoteError(f"{method}: {error.get('message', 'remote exception')}")
        if kind != REPLY or name != method or seqid != self._seqid:
            raise ProtocolError(f"unexpected reply {name!r} ({kind}, seqid {seqid})")
        result = reader.read_struct(spec)
        if spec.fields and "success" not in result:
            raise ProtocolError(f"{method} returned no result")
        return result.get("success")

    def _connection(self) -> tuple[socket.socket, Reader]:
        if self._sock is None or self._reader is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.connect_timeout)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            self._sock, self._reader = sock, Reader(sock, self.limits)
        return self._sock, self._reader

    def _drop(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = self._reader = None
