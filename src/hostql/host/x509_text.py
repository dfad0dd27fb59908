"""X.509 certificate fields as text, the way OpenSSL 3's printers (X509V3_EXT_print) render them."""

from __future__ import annotations

import datetime
import ipaddress
import warnings
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtensionOID, NameOID

from hostql.host.certs import oneline, print_ex

# OBJ_nid2sn of signature algorithms.
SIGNATURE_SHORT_NAMES = {
    "1.2.840.113549.1.1.2": "RSA-MD2", "1.2.840.113549.1.1.4": "RSA-MD5",
    "1.2.840.113549.1.1.5": "RSA-SHA1", "1.2.840.113549.1.1.14": "RSA-SHA224",
    "1.2.840.113549.1.1.11": "RSA-SHA256", "1.2.840.113549.1.1.12": "RSA-SHA384",
    "1.2.840.113549.1.1.13": "RSA-SHA512", "1.2.840.113549.1.1.10": "RSASSA-PSS",
    "2.16.840.1.101.3.4.3.13": "RSA-SHA3-224", "2.16.840.1.101.3.4.3.14": "RSA-SHA3-256",
    "2.16.840.1.101.3.4.3.15": "RSA-SHA3-384", "2.16.840.1.101.3.4.3.16": "RSA-SHA3-512",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1", "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256", "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512", "1.2.840.10040.4.3": "DSA-SHA1",
    "2.16.840.1.101.3.4.3.1": "dsa_with_SHA224", "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
    "1.3.101.112": "ED25519", "1.3.101.113": "ED448",
}  # fmt: skip
# OBJ_nid2ln of the objects extensions name (extended key usages, access methods, policies).
LONG_NAMES = {
    "1.3.6.1.5.5.7.3.1": "TLS Web Server Authentication",
    "1.3.6.1.5.5.7.3.2": "TLS Web Client Authentication",
    "1.3.6.1.5.5.7.3.3": "Code Signing", "1.3.6.1.5.5.7.3.4": "E-mail Protection",
    "1.3.6.1.5.5.7.3.5": "IPSec End System", "1.3.6.1.5.5.7.3.6": "IPSec Tunnel",
    "1.3.6.1.5.5.7.3.7": "IPSec User", "1.3.6.1.5.5.7.3.8": "Time Stamping",
    "1.3.6.1.5.5.7.3.9": "OCSP Signing", "2.5.29.37.0": "Any Extended Key Usage",
    "1.3.6.1.4.1.311.2.1.21": "Microsoft Individual Code Signing",
    "1.3.6.1.4.1.311.2.1.22": "Microsoft Commercial Code Signing",
    "1.3.6.1.4.1.311.10.3.3": "Microsoft Server Gated Crypto",
    "1.3.6.1.4.1.311.10.3.4": "Microsoft Encrypted File System",
    "1.3.6.1.4.1.311.20.2.2": "Microsoft Smartcard Login",
    "2.16.840.1.113730.4.1": "Netscape Server Gated Crypto",
    "1.3.6.1.5.5.7.48.1": "OCSP", "1.3.6.1.5.5.7.48.2": "CA Issuers",
    "1.3.6.1.5.5.7.48.3": "Time Stamping", "1.3.6.1.5.5.7.48.5": "CA Repository",
    "2.5.29.32.0": "X509v3 Any Policy",
}  # fmt: skip
_KEY_USAGE = (
    ("digital_signature", "Digital Signature"),
    ("content_commitment", "Non Repudiation"),
    ("key_encipherment", "Key Encipherment"),
    ("data_encipherment", "Data Encipherment"),
    ("key_agreement", "Key Agreement"),
    ("key_cert_sign", "Certificate Sign"),
    ("crl_sign", "CRL Sign"),
    ("encipher_only", "Encipher Only"),
    ("decipher_only", "Decipher Only"),
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def load_der(der: bytes) -> x509.Certificate:
    """A certificate from DER (ValueError when it does not parse)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_der_x509_certificate(der)


def name_text(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    """X509_NAME_get_text_by_NID: the first entry's text (at most 255 bytes), None if absent."""
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        raw = value if isinstance(value, bytes) else value.encode()
        return raw[:255].decode("utf-8", "replace")
    return None


def asn1_time(moment: datetime.datetime) -> str:
    """ASN1_TIME_print: 'Jan  5 09:08:07 2024 GMT'."""
    return (
        f"{_MONTHS[moment.month - 1]} {moment.day:2d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {moment.year} GMT"
    )


def bn2hex(number: int) -> str:
    """BN_bn2hex: upper-case hex in whole bytes ('0' for zero, '-' for negatives)."""
    if number == 0:
        return "0"
    digits = format(abs(number), "X")
    return ("-" if number < 0 else "") + ("0" * (len(digits) % 2)) + digits


def hex_colons(data: bytes, upper: bool = True) -> str:
    """i2s_ASN1_OCTET_STRING style 'AB:CD' (lower-case for signatures)."""
    return ":".join(f"{b:02X}" if upper else f"{b:02x}" for b in data)


def object_text(oid: x509.ObjectIdentifier) -> str:
    """i2t_ASN1_OBJECT: the long name OpenSSL knows, else the dotted form."""
    return LONG_NAMES.get(oid.dotted_string, oid.dotted_string)


def general_name(name: x509.GeneralName, *, printer: bool = False) -> str:
    """i2v_GENERAL_NAME 'TYPE:value' (GENERAL_NAME_print's variant when printer is set)."""
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{print_ex(name.value)}" if printer else f"DirName:{oneline(name.value)}"
    if isinstance(name, x509.RegisteredID):
        return f"Registered ID:{object_text(name.value)}"
    if isinstance(name, x509.IPAddress):
        return f"IP Address:{_ip_text(name.value)}"
    return "othername:<unsupported>"


def _ip_text(value: Any) -> str:
    if isinstance(value, ipaddress.IPv6Address):
        return ":".join(
            f"{int.from_bytes(value.packed[i : i + 2], 'big'):X}" for i in range(0, 16, 2)
        )
    if isinstance(value, ipaddress.IPv4Network):
        return f"{value.network_address}/{value.netmask}"
    if isinstance(value, ipaddress.IPv6Network):
        return f"{_ip_text(value.network_address)}/{_ip_text(value.netmask)}"
    return str(value)


def _key_usage(value: x509.KeyUsage) -> str:
    names = []
    for attribute, label in _KEY_USAGE:
        try:
            if getattr(value, attribute):
                names.append(label)
        except ValueError:
            continue  # encipher/decipher_only are undefined without key agreement
    return ", ".join(names)


def _authority_key_id(value: x509.AuthorityKeyIdentifier) -> str:
    lines = []
    qualified = value.authority_cert_issuer is not None or (
        value.authority_cert_serial_number is not None
    )
    if value.key_identifier is not None:
        keyid = hex_colons(value.key_identifier)
        lines.append(f"keyid:{keyid}" if qualified else keyid)
    lines.extend(general_name(n) for n in value.authority_cert_issuer or ())
    if value.authority_cert_serial_number is not None:
        serial = value.authority_cert_serial_number
        lines.append(
            "serial:" + hex_colons(serial.to_bytes(max(1, (serial.bit_length() + 7) // 8)))
        )
    return "\n".join(lines)


def _basic_constraints(value: x509.BasicConstraints) -> str:
    text = "CA:TRUE" if value.ca else "CA:FALSE"
    return text if value.path_length is None else f"{text}, pathlen:{value.path_length}"


def _access(value: x509.AuthorityInformationAccess | x509.SubjectInformationAccess) -> str:
    lines = []
    for description in value:
        kind, _, text = general_name(description.access_location).partition(":")
        lines.append(f"{object_text(description.access_method)} - {kind}:{text}")
    return "\n".join(lines)


def _policies(value: x509.CertificatePolicies) -> str:
    lines = []
    for policy in value:
        lines.append(f"Policy: {object_text(policy.policy_identifier)}")
        for qualifier in policy.policy_qualifiers or ():
            if isinstance(qualifier, str):
                lines.append(f"  CPS: {qualifier}")
                continue
            lines.append("  User Notice:")
            if qualifier.notice_reference is not None:
                lines.append(f"    Organization: {qualifier.notice_reference.organization}")
                numbers = qualifier.notice_reference.notice_numbers
                label = "Numbers" if len(numbers) > 1 else "Number"
                lines.append(f"    {label}: {', '.join(str(n) for n in numbers)}")
            if qualifier.explicit_text is not None:
                lines.append(f"    Explicit Text: {qualifier.explicit_text}")
    return "\n".join(lines)


def _name_constraints(value: x509.NameConstraints) -> str:
    lines = []
    for label, subtrees in (
        ("Permitted", value.permitted_subtrees),
        ("Excluded", value.excluded_subtrees),
    ):
        if not subtrees:
            continue
        lines.append(f"{label}:")
        for subtree in subtrees:
            if isinstance(subtree, x509.IPAddress):
                lines.append(f"  IP:{_ip_text(subtree.value)}")
            else:
                lines.append("  " + general_name(subtree, printer=True))
    return "\n".join(lines)


def _policy_constraints(value: x509.PolicyConstraints) -> str:
    parts = []
    if value.require_explicit_policy is not None:
        parts.append(f"Require Explicit Policy:{value.require_explicit_policy}")
    if value.inhibit_policy_mapping is not None:
        parts.append(f"Inhibit Policy Mapping:{value.inhibit_policy_mapping}")
    return ", ".join(parts)


def _policy_mappings(der: bytes) -> str:
    """i2v_POLICY_MAPPINGS of the DER value (cryptography does not parse this extension)."""
    pairs = []
    body, _ = _der_item(der, 0x30)
    offset = 0
    while offset < len(body):
        mapping, offset = _der_item(body, 0x30, offset)
        issuer, inner = _der_item(mapping, 0x06)
        subject, _ = _der_item(mapping, 0x06, inner)
        pairs.append(f"{object_text(_oid(issuer))}:{object_text(_oid(subject))}")
    return ", ".join(pairs)


def _der_item(data: bytes, tag: int, offset: int = 0) -> tuple[bytes, int]:
    """The content of the DER item at offset (which must have tag) and the offset after it."""
    if offset + 2 > len(data) or data[offset] != tag:
        raise ValueError("unexpected DER")
    length = data[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    if start + length > len(data):
        raise ValueError("truncated DER")
    return data[start : start + length], start + length


def _oid(content: bytes) -> x509.ObjectIdentifier:
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        raise ValueError("empty OID")
    first = min(arcs[0] // 40, 2)
    return x509.ObjectIdentifier(".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]])))


def _asn1_string_print(data: bytes) -> str:
    """ASN1_STRING_print: printable bytes as they are, others as '.'."""
    return "".join(chr(b) if 0x20 <= b <= 0x7E or b in (0x0A, 0x0D) else "." for b in data)


_RENDERERS: dict[x509.ObjectIdentifier, Callable[[Any], str]] = {
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: lambda v: hex_colons(v.digest),
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: _authority_key_id,
    ExtensionOID.KEY_USAGE: _key_usage,
    ExtensionOID.EXTENDED_KEY_USAGE: lambda v: ", ".join(object_text(o) for o in v),
    ExtensionOID.CERTIFICATE_POLICIES: _policies,
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME: lambda v: ", ".join(general_name(n) for n in v),
    ExtensionOID.ISSUER_ALTERNATIVE_NAME: lambda v: ", ".join(general_name(n) for n in v),
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS: _access,
    ExtensionOID.SUBJECT_INFORMATION_ACCESS: _access,
    ExtensionOID.BASIC_CONSTRAINTS: _basic_constraints,
    ExtensionOID.NAME_CONSTRAINTS: _name_constraints,
    ExtensionOID.POLICY_CONSTRAINTS: _policy_constraints,
}


def extension_text(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    """The printed extension, lines joined by ';' as osquery does; '' when absent."""
    try:
        extension = cert.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return ""
    except ValueError:  # an extension cryptography cannot parse
        return ""
    value = extension.value
    if isinstance(value, x509.UnrecognizedExtension):
        if oid == ExtensionOID.POLICY_MAPPINGS:
            try:
                return _policy_mappings(value.value)
            except ValueError:
                pass
        return _asn1_string_print(value.value).replace("\n", ";")
    return _RENDERERS[oid](value).replace("\n", ";")


def describe(cert: x509.Certificate, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The curl_certificate columns of a certificate (absent name fields are left out)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        row: dict[str, Any] = {}
        for column, name, oid in (
            ("common_name", cert.subject, NameOID.COMMON_NAME),
            ("organization", cert.subject, NameOID.ORGANIZATION_NAME),
            ("organization_unit", cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
            ("issuer_common_name", cert.issuer, NameOID.COMMON_NAME),
            ("issuer_organization", cert.issuer, NameOID.ORGANIZATION_NAME),
            ("issuer_organization_unit", cert.issuer, NameOID.ORGANIZATIONAL_UNIT_NAME),
        ):
            text = name_text(name, oid)
            if text is not None:
                row[column] = text
        not_after = cert.not_valid_after_utc
        row.update(
            serial_number=bn2hex(cert.serial_number),
            valid_from=asn1_time(cert.not_valid_before_utc),
            valid_to=asn1_time(not_after),
            sha256_fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
            sha1_fingerprint=cert.fingerprint(hashes.SHA1()).hex(),
            version=cert.version.value + 1,
            signature_algorithm=SIGNATURE_SHORT_NAMES.get(
                cert.signature_algorithm_oid.dotted_string, "undefined"
            ),
            signature=hex_colons(cert.signature, upper=False),
            subject_key_identifier=extension_text(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER),
            authority_key_identifier=extension_text(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER),
            key_usage=extension_text(cert, ExtensionOID.KEY_USAGE),
            extended_key_usage=extension_text(cert, ExtensionOID.EXTENDED_KEY_USAGE),
            policies=extension_text(cert, ExtensionOID.CERTIFICATE_POLICIES),
            subject_alternative_names=extension_text(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME),
            issuer_alternative_names=extension_text(cert, ExtensionOID.ISSUER_ALTERNATIVE_NAME),
            info_access=extension_text(cert, ExtensionOID.AUTHORITY_INFORMATION_ACCESS),
            subject_info_access=extension_text(cert, ExtensionOID.SUBJECT_INFORMATION_ACCESS),
            policy_mappings=extension_text(cert, ExtensionOID.POLICY_MAPPINGS),
            has_expired=int(not_after <= (now or datetime.datetime.now(datetime.UTC))),
            basic_constraint=extension_text(cert, ExtensionOID.BASIC_CONSTRAINTS),
            name_constraints=extension_text(cert, ExtensionOID.NAME_CONSTRAINTS),
            policy_constraints=extension_text(cert, ExtensionOID.POLICY_CONSTRAINTS),
        )
        return row


def pem(cert: x509.Certificate) -> str:
    """PEM_write_bio_X509's text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
