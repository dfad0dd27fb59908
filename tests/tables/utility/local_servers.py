"""Test HTTP(S) servers on 127.0.0.1 and a per-run CA made with cryptography (not a test module)."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class Pki:
    """A CA and a server certificate for 127.0.0.1 / localhost, as files and objects."""

    ca_file: Path
    cert_file: Path
    key_file: Path
    ca: x509.Certificate
    cert: x509.Certificate


def make_pki(directory: Path) -> Pki:
    """A fresh CA (RSA) and server certificate (EC) with the extensions curl_certificate shows."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hostql tests"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "CI"),
            x509.NameAttribute(NameOID.COMMON_NAME, "hostql test CA"),
        ]
    )
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(0x1000)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hostql"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(0x0ABCDEF123)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), True
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier("http://127.0.0.1:9/ocsp"),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier("http://127.0.0.1:9/ca.der"),
                    ),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.CertificatePolicies(
                [
                    x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.1"), None),
                    x509.PolicyInformation(
                        x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"),
                        ["http://127.0.0.1:9/cps"],
                    ),
                ]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    cert_file = directory / "server.pem"
    key_file = directory / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Pki(ca_file, cert_file, key_file, ca, cert)


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, Handler] = {}
    seen: list[tuple[str, str, dict[str, str]]] = []

    def _dispatch(self) -> None:
        type(self).seen.append((self.command, self.path, dict(self.headers.items())))
        route = self.routes.get(self.path.split("?")[0]) or self.routes.get("*")
        if route is None:
            self.send_error(404)
            return
        route(self)

    do_GET = do_PUT = do_POST = _dispatch

    def log_message(self, format: str, *args: object) -> None:
        return


def reply(status: int, body: bytes | str, headers: dict[str, str] | None = None) -> Handler:
    """A route answering with a fixed status, body and headers."""
    data = body.encode() if isinstance(body, str) else body

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return handle


@contextmanager
def serve(
    routes: dict[str, Handler], tls: Pki | None = None
) -> Iterator[tuple[str, list[tuple[str, str, dict[str, str]]]]]:
    """An HTTP(S) server on 127.0.0.1: yields its base URL and the requests it saw."""
    handler = type("Handler", (_Handler,), {"routes": routes, "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert_file, tls.key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
