"""secureboot_certificates: the X.509 certificates of the UEFI db and dbx variables."""

from __future__ import annotations

import time
from collections.abc import Iterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from hostql.host.efi import signature_list_certificates
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

# OpenSSL's short names, which X509_NAME_oneline prints.
SHORT_NAMES: dict[str, str] = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "street",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "title",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "GN",
    "2.5.4.43": "initials",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.1": "UID",
    "0.9.2342.19200300.100.1.25": "DC",
}

# OpenSSL's long names of signature and public key algorithms.
LONG_NAMES: dict[str, str] = {
    "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.10": "rsassaPss",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
    "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.2.840.10040.4.1": "dsaEncryption",
    "1.2.840.10040.4.3": "dsaWithSHA1",
    "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
    "1.3.101.112": "ED25519",
    "1.3.101.113": "ED448",
}

# OpenSSL's long names of the named curves that differ from cryptography's.
CURVE_NAMES: dict[str, str] = {"secp256r1": "prime256v1", "secp192r1": "prime192v1"}

# X509_get_key_usage bits as osquery lists them (in this order).
KEY_USAGES: tuple[tuple[str, str], ...] = (
    ("encipher_only", "Encipher Only"),
    ("crl_sign", "CRL Sign"),
    ("key_cert_sign", "Key Cert Sign"),
    ("key_agreement", "Key Agreement"),
    ("data_encipherment", "Data Encipherment"),
    ("key_encipherment", "Key Encipherment"),
    ("content_commitment", "Non Repudiation"),
    ("digital_signature", "Digital Signature"),
    ("decipher_only", "Decipher Only"),
)

# The public key types each signature algorithm family needs (check_sig_alg_match).
_SIGNATURE_KEYS: dict[str, tuple[type, ...]] = {
    "1.2.840.113549.1.1": (rsa.RSAPublicKey,),
    "1.2.840.10045.4": (ec.EllipticCurvePublicKey,),
    "1.2.840.10040.4": (dsa.DSAPublicKey,),
    "2.16.840.1.101.3.4.3": (dsa.DSAPublicKey,),
    "1.3.101.112": (ed25519.Ed25519PublicKey,),
    "1.3.101.113": (ed448.Ed448PublicKey,),
}


def oneline(name: x509.Name) -> str:
    """A name as X509_NAME_oneline prints it: /SN=value/..., other bytes as \\xHH."""
    parts = []
    for attribute in name:
        label = SHORT_NAMES.get(attribute.oid.dotted_string, attribute.oid.dotted_string)
        value = attribute.value if isinstance(attribute.value, str) else ""
        text = "".join(
            chr(b) if 0x20 <= b <= 0x7E else f"\\x{b:02X}" for b in value.encode("utf-8")
        )
        parts.append(f"/{label}={text}")
    return "".join(parts)


def epoch(moment: time.struct_time) -> int:
    """Seconds since the epoch the way osquery gets them: mktime() of the UTC fields."""
    # osquery parses ASN1_TIME_print's GMT text with strptime, then calls mktime(),
    # which reads the fields as local time: the result is off by the UTC offset.
    return int(time.mktime((*moment[:6], 0, 0, -1)))


def serial_hex(serial: int) -> str:
    """The serial as BN_bn2hex writes it: uppercase, whole bytes, "0" for zero."""
    if serial == 0:
        return "0"
    digits = f"{abs(serial):X}"
    if len(digits) % 2:
        digits = "0" + digits
    return ("-" if serial < 0 else "") + digits


def extension(cert: x509.Certificate, kind: type) -> object | None:
    """The value of cert's extension of class kind, or None."""
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def key_usage_text(usage: x509.KeyUsage | None) -> str:
    """The set key usage bits, named and comma-separated ("" without the extension)."""
    if usage is None:
        return ""
    names = []
    for attribute, label in KEY_USAGES:
        try:
            if getattr(usage, attribute):
                names.append(label)
        except ValueError:
            continue  # encipher_only/decipher_only are undefined without key_agreement
    return ", ".join(names)


def is_ca(cert: x509.Certificate, usage: x509.KeyUsage | None) -> bool:
    """OpenSSL's X509_check_ca() > 0."""
    if usage is not None and not usage.key_cert_sign:
        return False
    constraints = extension(cert, x509.BasicConstraints)
    if isinstance(constraints, x509.BasicConstraints):
        return constraints.ca
    if cert.version is x509.Version.v1 and cert.subject == cert.issuer:
        return True
    return usage is not None


def is_self_signed(cert: x509.Certificate, usage: x509.KeyUsage | None) -> bool:
    """OpenSSL's X509_check_issued(cert, cert) == X509_V_OK: names, key ids, key type."""
    if cert.subject != cert.issuer:
        return False
    authority = extension(cert, x509.AuthorityKeyIdentifier)
    if isinstance(authority, x509.AuthorityKeyIdentifier):
        subject_id = extension(cert, x509.SubjectKeyIdentifier)
        if (
            authority.key_identifier is not None
            and isinstance(subject_id, x509.SubjectKeyIdentifier)
            and authority.key_identifier != subject_id.digest
        ):
            return False
        serial = authority.authority_cert_serial_number
        if serial is not None and serial != cert.serial_number:
            return False
    algorithm = cert.signature_algorithm_oid.dotted_string
    key_types = next(
        (t for prefix, t in _SIGNATURE_KEYS.items() if algorithm.startswith(prefix)), None
    )
    if key_types is None or not isinstance(cert.public_key(), key_types):
        return False
    return usage is None or usage.key_cert_sign


def key_strength(cert: x509.Certificate) -> str:
    """Bits of an RSA/DSA key (EVP_PKEY_size * 8) or an EC key's curve; "" otherwise."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return str((key.key_size + 7) // 8 * 8)
    if isinstance(key, dsa.DSAPublicKey):
        # EVP_PKEY_size of DSA is the largest DER signature: SEQUENCE of two INTEGERs.
        integer = (key.parameters().parameter_numbers().q.bit_length() + 7) // 8 + 1
        body = 2 * (2 + integer)
        return str((body + 2) * 8)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return CURVE_NAMES.get(key.curve.name, key.curve.name)
    return ""


def certificate_row(der: bytes) -> Row | None:
    """The columns of one DER certificate, or None if it does not parse."""
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.public_key()
    except (ValueError, TypeError):
        return None
    usage = extension(cert, x509.KeyUsage)
    usage = usage if isinstance(usage, x509.KeyUsage) else None
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    authority = extension(cert, x509.AuthorityKeyIdentifier)
    subject_id = extension(cert, x509.SubjectKeyIdentifier)
    signature = cert.signature_algorithm_oid
    public_key = cert.public_key_algorithm_oid
    return {
        "common_name": str(names[0].value) if names else "",
        "subject": oneline(cert.subject),
        "issuer": oneline(cert.issuer),
        "not_valid_before": epoch(cert.not_valid_before_utc.timetuple()),
        "not_valid_after": epoch(cert.not_valid_after_utc.timetuple()),
        "sha1": cert.fingerprint(hashes.SHA1()).hex(),
        "serial": serial_hex(cert.serial_number),
        "is_ca": int(is_ca(cert, usage)),
        "self_signed": int(is_self_signed(cert, usage)),
        "key_usage": key_usage_text(usage),
        "authority_key_id": (
            authority.key_identifier.hex()
            if isinstance(authority, x509.AuthorityKeyIdentifier) and authority.key_identifier
            else ""
        ),
        "subject_key_id": (
            subject_id.digest.hex() if isinstance(subject_id, x509.SubjectKeyIdentifier) else ""
        ),
        "signing_algorithm": LONG_NAMES.get(signature.dotted_string, signature._name),
        "key_algorithm": LONG_NAMES.get(public_key.dotted_string, public_key._name),
        "key_strength": key_strength(cert),
    }


@table(
    "secureboot_certificates",
    "X.509 certificates from UEFI Secure Boot signature databases (db and dbx EFI variables). "
    "Useful for monitoring CA expiry and adoption of updated certificates (e.g. Microsoft UEFI "
    "CA 2023).",
    platforms=(LINUX,),
    examples=(
        "select common_name, subject, issuer, datetime(not_valid_before, 'unixepoch') as "
        "issue_date, datetime(not_valid_after, 'unixepoch') as expiry_date from "
        "secureboot_certificates where revoked = 0",
        "select * from secureboot_certificates where revoked = 1",
    ),
    notes="Reads efivarfs (db-*, dbx-*); no rows on hosts without UEFI variables.",
    columns=[
        Column("common_name", TEXT, "Certificate CommonName"),
        Column("subject", TEXT, "Certificate subject distinguished name"),
        Column("issuer", TEXT, "Certificate issuer distinguished name"),
        Column("not_valid_before", TEXT, "Lower bound of valid date"),
        Column("not_valid_after", TEXT, "Certificate expiration date"),
        Column("sha1", TEXT, "SHA1 hash of the raw certificate contents", collate="NOCASE"),
        Column("serial", TEXT, "Certificate serial number", collate="NOCASE"),
        Column(
            "revoked",
            INTEGER,
            "1 if the certificate is in the dbx revocation list, 0 if it is in the db allowlist",
        ),
        Column("path", TEXT, "Path to the EFI variable file"),
        Column("is_ca", INTEGER, "1 if the certificate is a CA, 0 otherwise"),
        Column("self_signed", INTEGER, "1 if the certificate is self-signed, 0 otherwise"),
        Column("key_usage", TEXT, "Certificate key usage extension string"),
        Column("authority_key_id", TEXT, "Authority Key Identifier (AKI)", collate="NOCASE"),
        Column("subject_key_id", TEXT, "Subject Key Identifier (SKI)", collate="NOCASE"),
        Column("signing_algorithm", TEXT, "Algorithm used to sign the certificate"),
        Column("key_algorithm", TEXT, "Public key algorithm"),
        Column("key_strength", TEXT, "Public key size in bits"),
    ],
)
def secureboot_certificates(ctx: QueryContext) -> Iterator[Row]:
    """One row per X.509 entry of each db-* (revoked 0) and dbx-* (revoked 1) variable."""
    efi = ctx.host.efi
    for store, path in efi.signature_databases():
        revoked = int(store == "dbx")
        try:
            content = efi.read(path)
        except (FileNotFoundError, PermissionError):
            continue
        for offset, der in signature_list_certificates(content):
            row = certificate_row(der)
            if row is None:
                ctx.warn(f"secureboot_certificates: unparsable certificate at {offset} in {path}")
                continue
            row["revoked"] = revoked
            row["path"] = path
            yield row
