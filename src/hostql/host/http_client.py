"""HTTP(S) requests to remote hosts, and TLS peer certificates, with bounded timeouts."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import time
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from hostql.host import Host

# osquery's http::Client: follow at most 10 redirects; these statuses count as redirects.
MAX_REDIRECTS = 10
REDIRECTS = frozenset((301, 302, 303, 304, 305, 307, 308))
MAX_BODY = 64 * 1024 * 1024
_CHUNK = 65536


class HttpError(Exception):
    """A request that could not be completed (connection, TLS, protocol or timeout)."""


class Response(NamedTuple):
    """A complete HTTP response; header names are lower-case."""

    status: int
    headers: dict[str, str]
    body: bytes


def tls_context(cafile: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """A client context trusting cafile (a PEM bundle or a hashed directory) when it can be
    read, else the system's CAs."""
    if not verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if cafile and os.access(cafile, os.R_OK):
        try:
            if os.path.isdir(cafile):
                return ssl.create_default_context(capath=cafile)
            return ssl.create_default_context(cafile=cafile)
        except (OSError, ValueError):  # not a certificate bundle: osquery warns and goes on
            pass
    return ssl.create_default_context()


def request(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 16.0,
    connect_timeout: float | None = None,
    context: ssl.SSLContext | None = None,
    follow_redirects: bool = True,
) -> Response:
    """One request (following redirects as osquery does); HttpError when it fails."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        response = _once(url, method, headers or {}, body, deadline, connect_timeout, context)
        if not follow_redirects or response.status not in REDIRECTS:
            return response
        location = response.headers.get("location")
        if not location:
            raise HttpError("Location header missing in redirect response")
        url = urljoin(url, location)
    raise HttpError(f"Exceeded max of {MAX_REDIRECTS} redirects")


def _once(
    url: str,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    deadline: float,
    connect_timeout: float | None,
    context: ssl.SSLContext | None,
) -> Response:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"unsupported URL {url!r}")
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise HttpError("request timed out")
    first = min(remaining, connect_timeout) if connect_timeout else remaining
    try:
        port = parts.port
    except ValueError as exc:
        raise HttpError(str(exc)) from None
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=first, context=context or tls_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=first)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        connection.request(method, target, body=body, headers=headers)
        reply = connection.getresponse()
        data = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise HttpError("request timed out")
            chunk = reply.read(_CHUNK)
            if not chunk:
                break
            data.extend(chunk)
            if len(data) > MAX_BODY:
                raise HttpError("response body too large")
        return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, bytes(data))
    except (OSError, http.client.HTTPException) as exc:
        raise HttpError(str(exc) or type(exc).__name__) from None
    finally:
        connection.close()


def peer_certificate(host: str, port: int, timeout: float | None) -> bytes:
    """The DER certificate a TLS server presents, without verifying it (osquery's TLS probe)."""
    # osquery resolves with AI_ADDRCONFIG and prefers the first IPv4 address.
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG)
    except (OSError, UnicodeError) as exc:
        raise HttpError(f"Unable to resolve hostname: {exc}") from None
    if not infos:
        raise HttpError("Unable to resolve hostname")
    family, kind, proto, _, address = next((i for i in infos if i[0] == socket.AF_INET), infos[0])
    context = tls_context(verify=False)
    try:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            with context.wrap_socket(sock, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as exc:
        raise HttpError(f"Failed to complete TLS handshake: {exc}") from None
    if not der:
        raise HttpError("No certificate")
    return der


class Web:
    """The host's view of remote HTTP services (the live network only)."""

    def __init__(self, host: Host) -> None:
        self.host = host

    request = staticmethod(request)
    peer_certificate = staticmethod(peer_certificate)
    tls_context = staticmethod(tls_context)


def attach(host: Host) -> Web:
    """The HTTP client of host."""
    return Web(host)
