"""curl_certificate: the certificate of a TLS server on 127.0.0.1, checked against openssl."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from local_servers import Pki, make_pki, reply, serve

from hostql.host import x509_text
from hostql.tables.utility.curl_certificate import curl_certificate
from hostql.testing import run_table


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _openssl_ext(cert_file: Path, name: str) -> str:
    """What `openssl x509 -ext NAME` prints, lines joined by ';' as osquery does."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    out = subprocess.run(
        [openssl, "x509", "-in", str(cert_file), "-noout", "-ext", name],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = out.rstrip("\n").split("\n")[1:]
    return ";".join(line[4:] for line in lines)


def test_the_server_certificate(pki: Pki) -> None:
    with serve({"/": reply(200, "")}, tls=pki) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        rows = run_table(curl_certificate, "hostname = ?", f"127.0.0.1:{port}")
    assert len(rows) == 1
    row = rows[0]
    cert = pki.cert
    expected = {
        "hostname": f"127.0.0.1:{port}",
        "common_name": "localhost",
        "organization": "hostql",
        "organization_unit": None,
        "serial_number": "0ABCDEF123",
        "issuer_common_name": "hostql test CA",
        "issuer_organization": "hostql tests",
        "issuer_organization_unit": "CI",
        "sha256_fingerprint": cert.fingerprint(hashes.SHA256()).hex(),
        "sha1_fingerprint": cert.fingerprint(hashes.SHA1()).hex(),
        "version": 3,
        "signature_algorithm": "RSA-SHA256",
        "signature": ":".join(f"{b:02x}" for b in cert.signature),
        "key_usage": "Digital Signature, Key Encipherment",
        "extended_key_usage": "TLS Web Server Authentication, TLS Web Client Authentication",
        "subject_alternative_names": "DNS:localhost, IP Address:127.0.0.1, "
        "IP Address:0:0:0:0:0:0:0:1",
        "issuer_alternative_names": "",
        "info_access": "OCSP - URI:http://127.0.0.1:9/ocsp;CA Issuers - URI:http://127.0.0.1:9/ca.der",
        "subject_info_access": "",
        "policy_mappings": "",
        "has_expired": 0,
        "basic_constraint": "CA:FALSE",
        "name_constraints": "",
        "policy_constraints": "",
        "pem": None,
    }
    assert {k: row[k] for k in expected} == expected
    assert row["valid_to"] == x509_text.asn1_time(cert.not_valid_after_utc)
    assert row["valid_to"].endswith(f" {cert.not_valid_after_utc.year} GMT")
    for column, name in (
        ("subject_key_identifier", "subjectKeyIdentifier"),
        ("authority_key_identifier", "authorityKeyIdentifier"),
        ("key_usage", "keyUsage"),
        ("extended_key_usage", "extendedKeyUsage"),
        ("subject_alternative_names", "subjectAltName"),
        ("info_access", "authorityInfoAccess"),
        ("policies", "certificatePolicies"),
        ("basic_constraint", "basicConstraints"),
    ):
        assert row[column] == _openssl_ext(pki.cert_file, name), column


def test_dump_certificate_and_timeout(pki: Pki) -> None:
    with serve({"/": reply(200, "")}, tls=pki) as (base, _):
        hostname = base.removeprefix("https://")
        rows = run_table(
            curl_certificate,
            "hostname = ? AND dump_certificate = 1 AND timeout = 2",
            hostname,
            columns="pem, dump_certificate, timeout",
        )
    assert rows == [{"pem": pki.cert_file.read_text(), "dump_certificate": 1, "timeout": 2}]


def test_unreachable_and_malformed_hostnames_give_no_rows() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    rows = run_table(
        curl_certificate,
        "hostname IN (?, ?, ?)",
        f"127.0.0.1:{port}",
        "127.0.0.1:notaport",
        "no such host.invalid:443",
    )
    assert rows == []


def test_a_plain_http_server_gives_no_row() -> None:
    with serve({"/": reply(200, "")}) as (base, _):
        hostname = base.removeprefix("http://")
        assert run_table(curl_certificate, "hostname = ? AND timeout = 2", hostname) == []


def test_expired_and_extension_rendering(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "old")])
    past = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(past)
        .not_valid_after(past + datetime.timedelta(days=1))
        .add_extension(
            x509.NameConstraints(
                permitted_subtrees=[x509.DNSName("example.com")],
                excluded_subtrees=[x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))],
            ),
            critical=True,
        )
        .add_extension(x509.PolicyConstraints(0, 1), critical=True)
        .sign(key, hashes.SHA384())
    )
    path = tmp_path / "old.pem"
    path.write_bytes(x509_text.pem(cert).encode())
    row = x509_text.describe(cert)
    assert row["has_expired"] == 1
    assert row["valid_from"] == "Feb  3 04:05:06 2001 GMT"
    assert row["serial_number"] == "01"
    assert row["signature_algorithm"] == "ecdsa-with-SHA384"
    assert "organization" not in row
    assert row["name_constraints"] == _openssl_ext(path, "nameConstraints")
    assert row["policy_constraints"] == _openssl_ext(path, "policyConstraints")
