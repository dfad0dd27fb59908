"""X.509 certificates of PEM bundles, described the way osquery's OpenSSL code does."""

from __future__ import annotations

import base64
import binascii
import re
import time
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning

from hostql.host.x509_names import (
    CURVE_NAMES,
    KEY_ALGORITHMS,
    NAME_FIELDS,
    SIGNATURE_ALGORITHMS,
    SIGNATURE_KEY_FAMILY,
)

if TYPE_CHECKING:
    from hostql.host import Host

# osquery's kDefaultBundlePathList.
BUNDLES = ("/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt")
PEM_BLOCK = re.compile(rb"-----BEGIN ([^\r\n-]*)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_CERT_LABELS = (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE")
# OpenSSL's key usage bits, in the order osquery lists them (its std::map key order).
_KEY_USAGE = (
    (0x0001, "Encipher Only", "encipher_only"),
    (0x0002, "CRL Sign", "crl_sign"),
    (0x0004, "Key Cert Sign", "key_cert_sign"),
    (0x0008, "Key Agreement", "key_agreement"),
    (0x0010, "Data Encipherment", "data_encipherment"),
    (0x0020, "Key Encipherment", "key_encipherment"),
    (0x0040, "Non Repudiation", "content_commitment"),
    (0x0080, "Digital Signature", "digital_signature"),
    (0x8000, "Decipher Only", "decipher_only"),
)
_KEY_CERT_SIGN = 0x0004
_NETSCAPE_CERT_TYPE = x509.ObjectIdentifier("2.16.840.1.113730.1.1")
_NS_ANY_CA = 0x07
# Bytes OpenSSL's RFC 2253 printer escapes: quoted (',+;<>'), backslashed ('"\\').
_QUOTED = frozenset(b",+;<>")
_BACKSLASHED = frozenset(b'"\\')


class Certs:
    """Reader of certificate bundles under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def bundle(self, path: str) -> tuple[list[x509.Certificate], int]:
        """The certificates of a PEM bundle and how many of its blocks could not be parsed."""
        data = self.host.path(path).read_bytes()
        return pem_certificates(data)


def pem_certificates(data: bytes) -> tuple[list[x509.Certificate], int]:
    """Certificates of PEM text (CERTIFICATE, X509 and TRUSTED CERTIFICATE blocks) and the
    number of certificate blocks that failed to parse."""
    found: list[x509.Certificate] = []
    bad = 0
    with warnings.catch_warnings():
        # Some CA roots carry a zero or negative serial; cryptography only warns about it.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for match in PEM_BLOCK.finditer(data):
            if match.group(1) not in _CERT_LABELS:
                continue
            try:
                der = _der(match.group(2))
                found.append(x509.load_der_x509_certificate(_first_tlv(der)))
            except (ValueError, binascii.Error):
                bad += 1
    return found, bad


def describe(cert: x509.Certificate) -> dict[str, Any]:
    """The certificates table columns of one certificate, as osquery's OpenSSL code gives them."""
    with warnings.catch_warnings():
        # Some CA roots carry a zero or negative serial; cryptography only warns about it.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _describe(cert)


def _describe(cert: x509.Certificate) -> dict[str, Any]:
    subject, issuer = cert.subject, cert.issuer
    extensions = _extensions(cert)
    key = cert.public_key()
    usage = _key_usage(extensions)
    self_issued = canonical_name(subject) == canonical_name(issuer)
    akid_ok = _akid_matches(cert, extensions)
    alg_ok = _signature_matches_key(cert, key)
    usage_allows_signing = usage is None or bool(usage & _KEY_CERT_SIGN)
    return {
        "common_name": _common_name(subject),
        "subject": oneline(subject),
        "subject2": print_ex(subject),
        "issuer": oneline(issuer),
        "issuer2": print_ex(issuer),
        "ca": 1 if _check_ca(cert, extensions, usage, self_issued and akid_ok and alg_ok) else 0,
        "self_signed": 1 if self_issued and akid_ok and alg_ok and usage_allows_signing else 0,
        "not_valid_before": _local_epoch(cert.not_valid_before_utc),
        "not_valid_after": _local_epoch(cert.not_valid_after_utc),
        "signing_algorithm": SIGNATURE_ALGORITHMS.get(
            cert.signature_algorithm_oid.dotted_string, ""
        ),
        "key_algorithm": _key_algorithm(cert),
        "key_strength": _key_strength(key),
        "key_usage": _key_usage_text(usage),
        "subject_key_id": _subject_key_id(extensions),
        "authority_key_id": _authority_key_id(extensions),
        "sha1": cert.fingerprint(hashes.SHA1()).hex(),
        "serial": _bn2hex(cert.serial_number),
    }


def oneline(name: x509.Name) -> str:
    """X509_NAME_oneline: '/C=US/O=Org/CN=Name' with \\xHH escapes and '/' and '+' escaped."""
    out = []
    for attribute in name:
        out.append("/")
        out.append(_field_name(attribute.oid))
        out.append("=")
        for byte in _raw_value(attribute):
            if byte < 0x20 or byte > 0x7E:
                out.append(f"\\x{byte:02X}")
            else:
                if byte in (0x2F, 0x2B):
                    out.append("\\")
                out.append(chr(byte))
    return "".join(out)


def print_ex(name: x509.Name) -> str:
    """X509_NAME_print_ex with XN_FLAG_ONELINE: 'C = US, O = Org, CN = Name'."""
    rdns = []
    for rdn in name.rdns:
        parts = [f"{_field_name(a.oid)} = {_rfc2253_value(_utf8_value(a))}" for a in rdn]
        rdns.append(" + ".join(parts))
    return ", ".join(rdns)


def _rfc2253_value(data: bytes) -> str:
    out = []
    quote = False
    last = len(data) - 1
    for i, byte in enumerate(data):
        if byte in _QUOTED or (byte == 0x23 and i == 0) or (byte == 0x20 and i in (0, last)):
            quote = True
            out.append(chr(byte))
        elif byte in _BACKSLASHED:
            out.append("\\" + chr(byte))
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:02X}")
        else:
            out.append(chr(byte))
    text = "".join(out)
    return f'"{text}"' if quote else text


def canonical_name(name: x509.Name) -> list[list[tuple[str, Any]]]:
    """A comparable form of a name close to OpenSSL's canonical encoding (X509_NAME_cmp)."""
    result = []
    for rdn in name.rdns:
        entries = []
        for attribute in rdn:
            value = attribute.value
            if isinstance(value, str):
                value = " ".join(value.split()).translate(_ASCII_LOWER)
            entries.append((attribute.oid.dotted_string, value))
        result.append(sorted(entries, key=repr))
    return result


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _field_name(oid: x509.ObjectIdentifier) -> str:
    return NAME_FIELDS.get(oid.dotted_string, oid.dotted_string)


def _raw_value(attribute: x509.NameAttribute) -> bytes:
    """The ASN.1 string's content bytes (what X509_NAME_oneline and ASN1_STRING_get0_data see)."""
    value = attribute.value
    if isinstance(value, bytes):
        return value
    kind = getattr(attribute, "_type", None)
    name = getattr(kind, "name", "")
    if name == "BMPString":
        return value.encode("utf-16-be")
    if name == "UniversalString":
        return value.encode("utf-32-be")
    if name == "UTF8String":
        return value.encode("utf-8")
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _utf8_value(attribute: x509.NameAttribute) -> bytes:
    value = attribute.value
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _common_name(name: x509.Name) -> str:
    for attribute in name.get_attributes_for_oid(x509.NameOID.COMMON_NAME):
        raw = _raw_value(attribute)
        return raw.decode("utf-8", "replace")
    return ""


def _extensions(cert: x509.Certificate) -> dict[str, x509.Extension[Any]]:
    try:
        return {ext.oid.dotted_string: ext for ext in cert.extensions}
    except ValueError:
        return {}


def _ext_value(extensions: dict[str, x509.Extension[Any]], oid: x509.ObjectIdentifier) -> Any:
    ext = extensions.get(oid.dotted_string)
    return None if ext is None else ext.value


def _key_usage(extensions: dict[str, x509.Extension[Any]]) -> int | None:
    """OpenSSL's ex_kusage bits, or None when the certificate has no key usage extension."""
    usage = _ext_value(extensions, x509.ExtensionOID.KEY_USAGE)
    if usage is None:
        return None
    bits = 0
    for flag, _, attribute in _KEY_USAGE:
        try:
            if getattr(usage, attribute):
                bits |= flag
        except ValueError:
            continue  # encipher_only / decipher_only are undefined without key_agreement
    return bits


def _key_usage_text(usage: int | None) -> str:
    if usage is None:
        return ""
    return ", ".join(label for flag, label, _ in _KEY_USAGE if usage & flag)


def _check_ca(
    cert: x509.Certificate,
    extensions: dict[str, x509.Extension[Any]],
    usage: int | None,
    self_signed: bool,
) -> bool:
    """OpenSSL's X509_check_ca() > 0."""
    if usage is not None and not usage & _KEY_CERT_SIGN:
        return False
    constraints = _ext_value(extensions, x509.ExtensionOID.BASIC_CONSTRAINTS)
    if constraints is not None:
        return bool(constraints.ca)
    if cert.version == x509.Version.v1 and self_signed:
        return True
    if usage is not None:
        return True
    netscape = _ext_value(extensions, _NETSCAPE_CERT_TYPE)
    raw = getattr(netscape, "value", b"")
    return len(raw) > 3 and bool(raw[3] & _NS_ANY_CA)


def _akid_matches(cert: x509.Certificate, extensions: dict[str, x509.Extension[Any]]) -> bool:
    """X509_check_akid(cert, cert's own AKID) == X509_V_OK."""
    akid = _ext_value(extensions, x509.ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    if akid is None:
        return True
    skid = _ext_value(extensions, x509.ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if (
        akid.key_identifier is not None
        and skid is not None
        and (akid.key_identifier != skid.digest)
    ):
        return False
    serial = akid.authority_cert_serial_number
    if serial is not None and serial != cert.serial_number:
        return False
    for general in akid.authority_cert_issuer or ():
        if isinstance(general, x509.DirectoryName):
            return canonical_name(general.value) == canonical_name(cert.issuer)
    return True


def _signature_matches_key(cert: x509.Certificate, key: Any) -> bool:
    family = SIGNATURE_KEY_FAMILY.get(cert.signature_algorithm_oid.dotted_string)
    if family is None:
        return False
    return _key_family(key) == family or (family == "RSA-PSS" and _key_family(key) == "RSA")


def _key_family(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC"
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ED25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "ED448"
    return ""


def _key_algorithm(cert: x509.Certificate) -> str:
    oid = cert.public_key_algorithm_oid.dotted_string
    return KEY_ALGORITHMS.get(oid, "")


def _key_strength(key: Any) -> str:
    """RSA/DSA: EVP_PKEY_size * 8 (DSA: its DER signature size); EC: the curve's long name."""
    if isinstance(key, rsa.RSAPublicKey):
        return str((key.key_size + 7) // 8 * 8)
    if isinstance(key, dsa.DSAPublicKey):
        q = key.parameters().parameter_numbers().q
        integer = len(q.to_bytes((q.bit_length() + 8) // 8, "big"))
        body = 2 * (2 + integer)
        return str((body + 2) * 8)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return CURVE_NAMES.get(key.curve.name, key.curve.name)
    return ""


def _subject_key_id(extensions: dict[str, x509.Extension[Any]]) -> str:
    skid = _ext_value(extensions, x509.ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    return skid.digest.hex() if skid is not None else ""


def _authority_key_id(extensions: dict[str, x509.Extension[Any]]) -> str:
    akid = _ext_value(extensions, x509.ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    if akid is None or akid.key_identifier is None:
        return ""
    return akid.key_identifier.hex()


def _bn2hex(number: int) -> str:
    """BN_bn2hex: upper-case hex in whole bytes ('0' for zero, '-' for negatives)."""
    if number == 0:
        return "0"
    digits = format(abs(number), "X")
    if len(digits) % 2:
        digits = "0" + digits
    return ("-" if number < 0 else "") + digits


def _local_epoch(moment: Any) -> str:
    # osquery parses OpenSSL's "Mon DD HH:MM:SS YYYY GMT" text with mktime(), i.e. as local time.
    fields = moment.timetuple()
    return str(int(time.mktime((*fields[:8], -1))))


def _der(body: bytes) -> bytes:
    lines = body.split(b"\n")
    if any(b":" in line for line in lines[:2]):
        # RFC 1421 headers end at the first blank line.
        _, _, rest = body.partition(b"\n\n")
        lines = rest.split(b"\n")
    return base64.b64decode(b"".join(line.strip() for line in lines), validate=True)


def _first_tlv(der: bytes) -> bytes:
    """The first DER element (a TRUSTED CERTIFICATE appends trust settings after it)."""
    if len(der) < 2:
        raise ValueError("short DER")
    length = der[1]
    if length < 0x80:
        return der[: 2 + length]
    count = length & 0x7F
    size = int.from_bytes(der[2 : 2 + count], "big")
    return der[: 2 + count + size]


def iter_described(certs: list[x509.Certificate]) -> Iterator[dict[str, Any]]:
    """describe() each certificate, skipping those cryptography cannot fully decode."""
    for cert in certs:
        try:
            row = describe(cert)
        except (ValueError, UnsupportedAlgorithm):
            continue
        yield row


def attach(host: Host) -> Certs:
    """The certificate reader of host."""
    return Certs(host)
