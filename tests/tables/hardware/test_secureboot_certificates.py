"""secureboot_certificates: X.509 certificates of db/dbx efivarfs variables."""

from __future__ import annotations

import calendar
import datetime
import hashlib
import shutil
import struct
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hostql.tables.hardware.secureboot_certificates import oneline, secureboot_certificates
from hostql.testing import run_table

X509_GUID = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072").bytes_le
SHA256_GUID = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le
OWNER = uuid.UUID("77fa9abd-0359-4d32-bd60-28f4e78f784b").bytes_le
DB_GUID = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
START = datetime.datetime(2011, 10, 19, 18, 41, 42, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 10, 19, 18, 51, 42, tzinfo=datetime.UTC)


def name(*parts: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


CA_NAME = name(
    (NameOID.COUNTRY_NAME, "US"),
    (NameOID.ORGANIZATION_NAME, "Example Corp"),
    (NameOID.COMMON_NAME, "Example UEFI CA 2011"),
)
LEAF_NAME = name((NameOID.ORGANIZATION_NAME, "Vendor"), (NameOID.COMMON_NAME, "Revoked Shim"))


@pytest.fixture(scope="module")
def certificates() -> tuple[bytes, bytes]:
    """A self-signed RSA CA and an EC leaf it signed, both DER."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(CA_NAME)
        .issuer_name(CA_NAME)
        .public_key(ca_key.public_key())
        .serial_number(0x61077656000000000008)
        .not_valid_before(START)
        .not_valid_after(END)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(LEAF_NAME)
        .issuer_name(CA_NAME)
        .public_key(leaf_key.public_key())
        .serial_number(0x0A)
        .not_valid_before(START)
        .not_valid_after(END)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    encoding = serialization.Encoding.DER
    return ca.public_bytes(encoding), leaf.public_bytes(encoding)


def signature_list(kind: bytes, entries: list[bytes]) -> bytes:
    size = 16 + len(entries[0])
    body = b"".join(OWNER + e for e in entries)
    return kind + struct.pack("<III", 28 + len(body), 0, size) + body


@pytest.fixture
def root(tmp_path: Path, certificates: tuple[bytes, bytes]) -> Path:
    ca, leaf = certificates
    variables = tmp_path / "sys/firmware/efi/efivars"
    variables.mkdir(parents=True)
    attributes = struct.pack("<I", 0x27)
    (variables / f"db-{DB_GUID}").write_bytes(attributes + signature_list(X509_GUID, [ca]))
    dbx = signature_list(SHA256_GUID, [bytes(32)]) + signature_list(X509_GUID, [leaf, b"junk" * 3])
    (variables / f"dbx-{DB_GUID}").write_bytes(attributes + dbx)
    return tmp_path


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_db_and_dbx_certificates(root: Path, certificates: tuple[bytes, bytes], utc: None) -> None:
    ca, leaf = certificates
    ca_cert = x509.load_der_x509_certificate(ca)
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    rows = run_table(secureboot_certificates, root=root)
    assert rows == [
        {
            "common_name": "Example UEFI CA 2011",
            "subject": "/C=US/O=Example Corp/CN=Example UEFI CA 2011",
            "issuer": "/C=US/O=Example Corp/CN=Example UEFI CA 2011",
            "not_valid_before": str(calendar.timegm(START.timetuple())),
            "not_valid_after": str(calendar.timegm(END.timetuple())),
            "sha1": hashlib.sha1(ca).hexdigest(),
            "serial": "61077656000000000008",
            "revoked": 0,
            "path": f"/sys/firmware/efi/efivars/db-{DB_GUID}",
            "is_ca": 1,
            "self_signed": 1,
            "key_usage": "CRL Sign, Key Cert Sign, Digital Signature",
            "authority_key_id": "",
            "subject_key_id": ski.hex(),
            "signing_algorithm": "sha256WithRSAEncryption",
            "key_algorithm": "rsaEncryption",
            "key_strength": "2048",
        },
        {
            "common_name": "Revoked Shim",
            "subject": "/O=Vendor/CN=Revoked Shim",
            "issuer": "/C=US/O=Example Corp/CN=Example UEFI CA 2011",
            "not_valid_before": str(calendar.timegm(START.timetuple())),
            "not_valid_after": str(calendar.timegm(END.timetuple())),
            "sha1": hashlib.sha1(leaf).hexdigest(),
            "serial": "0A",
            "revoked": 1,
            "path": f"/sys/firmware/efi/efivars/dbx-{DB_GUID}",
            "is_ca": 0,
            "self_signed": 0,
            "key_usage": "",
            "authority_key_id": ski.hex(),
            "subject_key_id": "",
            "signing_algorithm": "sha256WithRSAEncryption",
            "key_algorithm": "id-ecPublicKey",
            "key_strength": "prime256v1",
        },
    ]


def test_revoked_filter_and_datetime_example(root: Path, utc: None) -> None:
    rows = run_table(
        secureboot_certificates,
        "revoked = 0",
        root=root,
        columns="common_name, datetime(not_valid_after, 'unixepoch') AS expiry",
    )
    assert rows == [{"common_name": "Example UEFI CA 2011", "expiry": "2026-10-19 18:51:42"}]


def test_times_shift_with_the_local_zone_like_osquery(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # osquery turns the GMT text into a time with mktime(), which reads it as local time.
    monkeypatch.setenv("TZ", "Etc/GMT-2")
    time.tzset()
    try:
        rows = run_table(
            secureboot_certificates, "revoked = 0", root=root, columns="not_valid_before"
        )
    finally:
        monkeypatch.undo()
        time.tzset()
    assert rows == [{"not_valid_before": str(calendar.timegm(START.timetuple()) - 7200)}]


def test_no_efi_variables(tmp_path: Path) -> None:
    assert run_table(secureboot_certificates, root=tmp_path) == []


def test_oneline_escapes_like_openssl(certificates: tuple[bytes, bytes]) -> None:
    odd = name((NameOID.COMMON_NAME, "Zürich\tCA"), (x509.ObjectIdentifier("1.2.3.4"), "x"))
    assert oneline(odd) == "/CN=Z\\xC3\\xBCrich\\x09CA/1.2.3.4=x"
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    ca, _ = certificates
    out = subprocess.run(
        [
            "openssl",
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-subject",
            "-serial",
            "-nameopt",
            "compat",
        ],
        input=ca,
        capture_output=True,
        check=True,
    ).stdout.decode()
    subject, serial = out.splitlines()
    assert subject == "subject=" + oneline(x509.load_der_x509_certificate(ca).subject)
    assert serial == "serial=61077656000000000008"


@pytest.mark.live
def test_live_db_variables() -> None:
    rows = run_table(secureboot_certificates)
    if not list(Path("/sys/firmware/efi/efivars").glob("db-*")):
        assert rows == []
        return
    assert all(r["revoked"] in (0, 1) and r["sha1"] for r in rows)
