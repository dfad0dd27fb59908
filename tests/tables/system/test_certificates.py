"""certificates: PEM bundles under the host root; live check against the openssl CLI."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hostql.tables.system.certificates import certificates
from hostql.testing import engine_for, run_table


def _pem(common_name: str, serial: int) -> bytes:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(datetime.datetime(2021, 1, 1))
        .not_valid_after(datetime.datetime(2031, 1, 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA384())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    bundle = tmp_path / "etc" / "ssl" / "certs" / "ca-certificates.crt"
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(_pem("First Root", 1) + _pem("Second Root", 0x1234))
    other = tmp_path / "srv" / "extra.pem"
    other.parent.mkdir()
    other.write_bytes(
        b"-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n" + _pem("Extra", 7)
    )
    return tmp_path


def test_default_bundles(root: Path) -> None:
    rows = run_table(certificates, root=root)
    assert [(r["common_name"], r["serial"], r["path"]) for r in rows] == [
        ("First Root", "01", "/etc/ssl/certs/ca-certificates.crt"),
        ("Second Root", "1234", "/etc/ssl/certs/ca-certificates.crt"),
    ]
    first = rows[0]
    assert first["subject"] == first["issuer"] == "/O=Example/CN=First Root"
    assert first["subject2"] == "O = Example, CN = First Root"
    assert (first["ca"], first["self_signed"]) == (1, 1)
    assert (first["signing_algorithm"], first["key_algorithm"], first["key_strength"]) == (
        "ecdsa-with-SHA384", "id-ecPublicKey", "secp384r1",
    )  # fmt: skip
    assert first["not_valid_before"] == str(
        int(datetime.datetime(2021, 1, 1).timestamp())  # naive: local time, like osquery
    )


def test_path_constraint_reads_that_file_and_warns_on_bad_blocks(root: Path) -> None:
    engine = engine_for(certificates, root=root)
    rows = engine.query("SELECT common_name, path FROM certificates WHERE path = '/srv/extra.pem'")
    assert rows == [{"common_name": "Extra", "path": "/srv/extra.pem"}]
    assert engine.take_warnings() == [
        "certificates: skipped 1 unparsable certificate(s) in /srv/extra.pem"
    ]


def test_missing_bundles(tmp_path: Path) -> None:
    assert run_table(certificates, root=tmp_path) == []
    assert run_table(certificates, "path = '/nope'", root=tmp_path) == []


@pytest.mark.live
def test_live_matches_openssl_cli() -> None:
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    if not shutil.which("openssl") or not Path(bundle).exists():
        pytest.skip("openssl or the CA bundle missing")
    rows = run_table(certificates, "path = ?", bundle)
    blocks = Path(bundle).read_text().split("-----END CERTIFICATE-----")
    assert len(rows) == len([b for b in blocks if "BEGIN CERTIFICATE" in b])
    for row, block in list(zip(rows, blocks, strict=False))[:10]:
        out = subprocess.run(
            [
                "openssl",
                "x509",
                "-noout",
                "-nameopt",
                "oneline",
                "-subject",
                "-serial",
                "-fingerprint",
                "-sha1",
            ],
            input=block + "-----END CERTIFICATE-----\n",
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        assert out[0] == f"subject={row['subject2']}"
        assert out[1] == f"serial={row['serial']}"
        assert out[2].split("=", 1)[1].replace(":", "").lower() == row["sha1"]
