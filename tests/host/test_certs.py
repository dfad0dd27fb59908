"""certs: certificate facts as osquery's OpenSSL calls give them, checked against libcrypto."""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime
import time
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from hostql.host.certs import describe, pem_certificates

V = ctypes.c_void_p
SHA256 = hashes.SHA256()
XN_FLAG_ONELINE = 0x82031F


class LibCrypto:
    """The few libcrypto calls osquery's openssl_utils.cpp makes (system OpenSSL 3)."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("crypto")
        if name is None:
            pytest.skip("libcrypto missing")
        self.lib = ctypes.CDLL(name)
        sigs = {
            "d2i_X509": (V, [V, ctypes.POINTER(ctypes.c_char_p), ctypes.c_long]),
            "X509_free": (None, [V]),
            "X509_get_subject_name": (V, [V]),
            "X509_get_issuer_name": (V, [V]),
            "X509_NAME_oneline": (V, [V, V, ctypes.c_int]),
            "CRYPTO_free": (None, [V, ctypes.c_char_p, ctypes.c_int]),
            "BIO_new": (V, [V]),
            "BIO_s_mem": (V, []),
            "BIO_free": (ctypes.c_int, [V]),
            "BIO_read": (ctypes.c_int, [V, V, ctypes.c_int]),
            "X509_NAME_print_ex": (ctypes.c_int, [V, V, ctypes.c_int, ctypes.c_ulong]),
            "X509_check_ca": (ctypes.c_int, [V]),
            "X509_check_issued": (ctypes.c_int, [V, V]),
            "X509_get_key_usage": (ctypes.c_uint32, [V]),
            "X509_get_signature_nid": (ctypes.c_int, [V]),
            "OBJ_nid2ln": (ctypes.c_char_p, [ctypes.c_int]),
            "X509_get0_notBefore": (V, [V]),
            "X509_get0_notAfter": (V, [V]),
            "ASN1_TIME_print": (ctypes.c_int, [V, V]),
        }
        for function, (restype, argtypes) in sigs.items():
            getattr(self.lib, function).restype = restype
            getattr(self.lib, function).argtypes = argtypes

    def _bio(self, write: Any) -> str:
        lib = self.lib
        bio = lib.BIO_new(lib.BIO_s_mem())
        write(bio)
        out = ctypes.create_string_buffer(65536)
        n = lib.BIO_read(bio, out, 65536)
        lib.BIO_free(bio)
        return out.raw[: max(n, 0)].decode("utf-8", "replace")

    def facts(self, der: bytes) -> dict[str, Any]:
        lib = self.lib
        buf = ctypes.c_char_p(der)
        cert = lib.d2i_X509(None, ctypes.byref(buf), len(der))
        assert cert
        try:

            def oneline(name: int) -> str:
                pointer = lib.X509_NAME_oneline(name, None, 0)
                text = ctypes.string_at(pointer).decode("utf-8", "replace")
                lib.CRYPTO_free(pointer, b"", 0)
                return text

            def epoch(asn1: int) -> str:
                text = self._bio(lambda b: lib.ASN1_TIME_print(b, asn1))
                parsed = time.strptime(text, "%b %d %H:%M:%S %Y %Z")
                return str(int(time.mktime((*parsed[:8], -1))))

            subject, issuer = lib.X509_get_subject_name(cert), lib.X509_get_issuer_name(cert)
            return {
                "subject": oneline(subject),
                "issuer": oneline(issuer),
                "subject2": self._bio(
                    lambda b: lib.X509_NAME_print_ex(b, subject, 0, XN_FLAG_ONELINE)
                ),
                "issuer2": self._bio(
                    lambda b: lib.X509_NAME_print_ex(b, issuer, 0, XN_FLAG_ONELINE)
                ),
                "ca": 1 if lib.X509_check_ca(cert) > 0 else 0,
                "self_signed": 1 if lib.X509_check_issued(cert, cert) == 0 else 0,
                "signing_algorithm": (
                    lib.OBJ_nid2ln(lib.X509_get_signature_nid(cert)) or b""
                ).decode(),
                "not_valid_before": epoch(lib.X509_get0_notBefore(cert)),
                "not_valid_after": epoch(lib.X509_get0_notAfter(cert)),
            }
        finally:
            lib.X509_free(cert)


@pytest.fixture(scope="module")
def libcrypto() -> LibCrypto:
    return LibCrypto()


def _cert(
    subject: x509.Name,
    key: Any,
    *,
    issuer: x509.Name | None = None,
    signer: Any = None,
    extensions: list[tuple[Any, bool]] = (),  # type: ignore[assignment]
    serial: int = 0x0ABC,
    hash_algorithm: Any = SHA256,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(datetime.datetime(2020, 1, 2, 3, 4, 5))
        .not_valid_after(datetime.datetime(2040, 6, 7, 8, 9, 10))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    return builder.sign(signer or key, hash_algorithm)


def _name(*pairs: tuple[Any, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


EC = ec.generate_private_key(ec.SECP256R1())
RSA = rsa.generate_private_key(65537, 2048)
TRICKY = _name(
    (NameOID.COUNTRY_NAME, "US"),
    (NameOID.ORGANIZATION_NAME, 'A/B+C, "q" \u00e9 \\ ;<>'),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, "#first"),
    (NameOID.COMMON_NAME, " padded "),
    (NameOID.EMAIL_ADDRESS, "ca@example.org"),
)
SKI = x509.SubjectKeyIdentifier.from_public_key(EC.public_key())
CASES = {
    "tricky names, no extensions (v3 without basicConstraints)": _cert(TRICKY, EC),
    "CA with key usage": _cert(
        _name((NameOID.COMMON_NAME, "Root CA")),
        RSA,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (x509.KeyUsage(True, False, False, False, False, True, True, False, False), True),
            (SKI, False),
            (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(SKI), False),
        ],
    ),
    "leaf signed by another key": _cert(
        _name((NameOID.COMMON_NAME, "leaf.example")),
        EC,
        issuer=_name((NameOID.COMMON_NAME, "Root CA")),
        signer=RSA,
        extensions=[(x509.BasicConstraints(ca=False, path_length=None), True)],
    ),
    "self-issued but key usage forbids cert signing": _cert(
        _name((NameOID.COMMON_NAME, "no-sign")),
        RSA,
        extensions=[
            (x509.KeyUsage(True, False, True, False, False, False, False, False, False), True)
        ],
    ),
    "akid mismatch": _cert(
        _name((NameOID.COMMON_NAME, "mismatch")),
        EC,
        extensions=[
            (SKI, False),
            (x509.AuthorityKeyIdentifier(b"\x01" * 20, None, None), False),
        ],
    ),
    "DSA key, SHA1": _cert(
        _name((NameOID.COMMON_NAME, "dsa")),
        dsa.generate_private_key(2048),
        hash_algorithm=SHA256,
    ),
    "Ed25519": _cert(
        _name((NameOID.COMMON_NAME, "ed")),
        ed25519.Ed25519PrivateKey.generate(),
        hash_algorithm=None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_libcrypto(case: str, libcrypto: LibCrypto) -> None:
    cert = CASES[case]
    mine = describe(cert)
    reference = libcrypto.facts(cert.public_bytes(serialization.Encoding.DER))
    assert {key: mine[key] for key in reference} == reference


def test_columns_of_a_ca() -> None:
    row = describe(CASES["CA with key usage"])
    assert row["ca"] == 1 and row["self_signed"] == 1
    assert row["key_usage"] == "CRL Sign, Key Cert Sign, Digital Signature"
    assert row["key_algorithm"] == "rsaEncryption"
    assert row["key_strength"] == "2048"
    assert row["subject_key_id"] == row["authority_key_id"] == SKI.digest.hex()
    assert row["serial"] == "0ABC"
    assert row["common_name"] == "Root CA"
    cert = CASES["CA with key usage"]
    assert row["sha1"] == cert.fingerprint(hashes.SHA1()).hex()


def test_other_key_strengths() -> None:
    assert (
        describe(CASES["tricky names, no extensions (v3 without basicConstraints)"])["key_strength"]
        == "prime256v1"
    )
    assert describe(CASES["DSA key, SHA1"])["key_strength"] == str(72 * 8)  # DER signature size
    ed = describe(CASES["Ed25519"])
    assert (ed["key_strength"], ed["key_algorithm"], ed["key_usage"]) == ("", "ED25519", "")


def test_pem_bundle_parsing() -> None:
    good = CASES["CA with key usage"].public_bytes(serialization.Encoding.PEM)
    der = CASES["Ed25519"].public_bytes(serialization.Encoding.DER)
    import base64

    trusted = (
        b"-----BEGIN TRUSTED CERTIFICATE-----\n"
        + base64.encodebytes(der + b"\x30\x03\x02\x01\x00")
        + b"-----END TRUSTED CERTIFICATE-----\n"
    )
    corrupt = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    key = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    certs, bad = pem_certificates(b"comment\n" + good + corrupt + key + trusted)
    assert [c.subject.rfc4514_string() for c in certs] == ["CN=Root CA", "CN=ed"]
    assert bad == 1


@pytest.mark.live
def test_live_bundle_matches_libcrypto(libcrypto: LibCrypto) -> None:
    from pathlib import Path

    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if not bundle.exists():
        pytest.skip("no CA bundle")
    certs, bad = pem_certificates(bundle.read_bytes())
    assert certs and bad == 0
    for cert in certs:
        reference = libcrypto.facts(cert.public_bytes(serialization.Encoding.DER))
        mine = describe(cert)
        assert {key: mine[key] for key in reference} == reference
