"""HTTPS POST of JSON to the TLS server: always verified, optional client certificate and proxy.

The stdlib's http.client and ssl do all of it (CONNECT tunnels included) with persistent
connections, so the remote client adds no dependency. Certificate verification cannot be
turned off: there is no flag and no parameter for it.
"""

from __future__ import annotations

import gzip
import http.client
import json
import select
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hostql.errors import HostqlError

if TYPE_CHECKING:
    from hostql.flags import FlagValues

# osquery's client gives up on a request after 16 seconds.
DEFAULT_TIMEOUT = 16.0
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class TransportError(HostqlError):
    """A remote request failed; str() is one line naming the endpoint and the reason."""


class NodeInvalidError(TransportError):
    """The server answered node_invalid: the node key is no longer accepted."""


class HttpStatusError(TransportError):
    """The server answered with an HTTP status other than 2xx."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Response(dict[str, Any]):
    """A response's JSON object, with the text it was parsed from."""

    __slots__ = ("text",)

    def __init__(self, payload: dict[str, Any], text: str) -> None:
        super().__init__(payload)
        self.text = text


def user_agent() -> str:
    """The User-Agent header: hostql/<version> (osquery sends osquery/<version>)."""
    from hostql import __version__

    return f"hostql/{__version__}"


def split_host_port(text: str, default_port: int = 443) -> tuple[str, int]:
    """'host', 'host:port', '[v6]:port' -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if not host:
        raise TransportError(f"no host in {text!r}")
    if port and not port.isdigit():
        raise TransportError(f"bad port in {text!r}")
    return host, int(port) if port else default_port


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """Where and how to reach the TLS server."""

    hostname: str
    server_certs: str
    client_cert: str = ""
    client_key: str = ""
    proxy: str = ""
    timeout: float = DEFAULT_TIMEOUT
    accept_gzip: bool = False
    session_reuse: bool = True
    session_timeout: float = 3600.0

    @classmethod
    def from_flags(cls, values: FlagValues) -> TlsSettings:
        """The settings the --tls_* and --proxy_hostname flags describe."""
        return cls(
            hostname=str(values["tls_hostname"]),
            server_certs=str(values["tls_server_certs"]),
            client_cert=str(values["tls_client_cert"]),
            client_key=str(values["tls_client_key"]),
            proxy=str(values["proxy_hostname"]),
            timeout=float(values["tls_request_timeout"] or DEFAULT_TIMEOUT),
            accept_gzip=bool(values["tls_accept_gzip"]),
            session_reuse=bool(values["tls_session_reuse"]),
            session_timeout=float(values["tls_session_timeout"]),
        )


def make_context(settings: TlsSettings) -> ssl.SSLContext:
    """A client context trusting only --tls_server_certs, with the client certificate if set."""
    if not settings.server_certs:
        raise TransportError("--tls_server_certs is empty: the server cannot be verified")
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cafile=settings.server_certs)
    except (OSError, ssl.SSLError) as exc:
        raise TransportError(
            f"cannot load --tls_server_certs {settings.server_certs}: {_reason(exc)}"
        ) from None
    if settings.client_cert or settings.client_key:
        if not (settings.client_cert and settings.client_key):
            raise TransportError("--tls_client_cert and --tls_client_key go together")
        try:
            context.load_cert_chain(settings.client_cert, settings.client_key)
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(
                f"cannot load the client certificate {settings.client_cert}: {_reason(exc)}"
            ) from None
    # Never relaxed: a server that fails verification fails the request.
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    return context


def encode_body(body: Mapping[str, Any]) -> bytes:
    """A request body as compact UTF-8 JSON."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


def check_response(payload: Any, where: str) -> dict[str, Any]:
    """The JSON object of a response; node_invalid and error members fail the request."""
    if not isinstance(payload, dict):
        raise TransportError(f"{where}: response is not a JSON object")
    if payload.get("node_invalid") is True:
        detail = payload.get("error")
        suffix = f": {detail}" if isinstance(detail, str) and detail else ""
        raise NodeInvalidError(f"{where}: Request failed: Invalid node key{suffix}")
    if "error" in payload:
        detail = payload["error"]
        text = detail if isinstance(detail, str) else "<unknown>"
        raise TransportError(f"{where}: Request failed: {text}")
    return payload


class Transport:
    """POSTs JSON objects to https://<tls_hostname><endpoint>; thread safe, one link per thread."""

    def __init__(self, settings: TlsSettings, context: ssl.SSLContext | None = None) -> None:
        if not settings.hostname:
            raise TransportError("--tls_hostname is empty")
        self.settings = settings
        self.context = context or make_context(settings)
        self.host, self.port = split_host_port(settings.hostname)
        self.proxy = split_host_port(settings.proxy, 3128) if settings.proxy else None
        self.requests = 0
        self.failures = 0
        self._local = threading.local()

    def url(self, endpoint: str) -> str:
        """The full URL of an endpoint path."""
        return f"https://{self.settings.hostname}{endpoint}"

    def post(
        self,
        endpoint: str,
        body: Mapping[str, Any] | bytes,
        *,
        node_key: str = "",
        compress: bool = False,
    ) -> Response:
        """POST body (a JSON object or its encoding); the checked JSON object answered."""
        if not endpoint.startswith("/"):
            endpoint = "/" + endpoint  # an empty endpoint flag posts to the server's root
        data = body if isinstance(body, bytes) else encode_body(body)
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": user_agent(),
        }
        if node_key:
            headers["Authorization"] = f"NodeKey {node_key}"
        if compress:
            data = gzip.compress(data, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        if self.settings.accept_gzip:
            headers["Accept-Encoding"] = "gzip"
        # Error messages name the path without its query: tls_secret_always puts the secret there.
        where = f"POST {self.url(endpoint.partition('?')[0])}"
        self.requests += 1
        try:
            raw = self._exchange(self.host, self.port, endpoint, data, headers, where)
        except TransportError:
            self.failures += 1
            raise
        try:
            text = raw.decode("utf-8")
            payload = json.loads(text)
        except (ValueError, RecursionError) as exc:
            self.failures += 1
            raise TransportError(f"{where}: response is not JSON ({_reason(exc)})") from None
        try:
            return Response(check_response(payload, where), text)
        except TransportError:
            self.failures += 1
            raise

    def _exchange(
        self, host: str, port: int, path: str, data: bytes, headers: dict[str, str], where: str
    ) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            status, location, raw = self._roundtrip(host, port, path, data, headers, where)
            if status not in _REDIRECTS:
                if not 200 <= status < 300:
                    raise HttpStatusError(f"{where}: HTTP {status}", status)
                return raw
            target = urlsplit(location)
            if target.scheme != "https" or not target.hostname:
                raise TransportError(f"{where}: redirect to a non-HTTPS location refused")
            host, port = target.hostname, target.port or 443
            path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        raise TransportError(f"{where}: too many redirects")

    def _roundtrip(
        self, host: str, port: int, path: str, data: bytes, headers: dict[str, str], where: str
    ) -> tuple[int, str, bytes]:
        connection = self._connection(host, port)
        try:
            connection.request("POST", path, body=data, headers=headers)
            response = connection.getresponse()
            if (response.length or 0) > MAX_RESPONSE_BYTES:
                raise TransportError(f"{where}: response larger than {MAX_RESPONSE_BYTES} bytes")
            # read() without a size raises IncompleteRead when the server closes mid-body.
            raw = response.read()
            if response.getheader("Content-Encoding", "").lower() == "gzip":
                raw = gzip.decompress(raw)
        except TransportError:
            self._drop(connection)
            raise
        except (OSError, http.client.HTTPException, EOFError, gzip.BadGzipFile) as exc:
            self._drop(connection)
            raise TransportError(f"{where}: {_reason(exc)}") from None
        if response.will_close or not self.settings.session_reuse:
            self._drop(connection)
        else:
            self._local.used = time.monotonic()
        return response.status, response.getheader("Location", ""), raw

    def _connection(self, host: str, port: int) -> http.client.HTTPSConnection:
        current: http.client.HTTPSConnection | None = getattr(self._local, "connection", None)
        target = (host, port)
        if current is not None:
            idle = time.monotonic() - getattr(self._local, "used", 0.0)
            if (
                getattr(self._local, "target", None) != target
                or idle > self.settings.session_timeout
                or _closed_by_peer(current)
            ):
                self._drop(current)
                current = None
        if current is None:
            if self.proxy:
                current = http.client.HTTPSConnection(
                    *self.proxy, timeout=self.settings.timeout, context=self.context
                )
                # CONNECT through the proxy, then TLS end to end inside the tunnel: the
                # certificate is checked against the target host, not the proxy.
                current.set_tunnel(host, port)
            else:
                current = http.client.HTTPSConnection(
                    host, port, timeout=self.settings.timeout, context=self.context
                )
            self._local.connection = current
            self._local.target = target
        return current

    def _drop(self, connection: http.client.HTTPSConnection) -> None:
        connection.close()
        if getattr(self._local, "connection", None) is connection:
            self._local.connection = None

    def close(self) -> None:
        """Close this thread's connection."""
        current = getattr(self._local, "connection", None)
        if current is not None:
            self._drop(current)


def _closed_by_peer(connection: http.client.HTTPSConnection) -> bool:
    """Whether an idle kept-alive connection was closed by the server (readable means EOF)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _reason(exc: BaseException) -> str:
    """A one-line reason for a network, TLS or parse failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.IncompleteRead):
        return "connection closed mid-response"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed without a response"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return text
