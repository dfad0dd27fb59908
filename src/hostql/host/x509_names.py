"""OpenSSL's names by OID: X.509 name attributes, signature and key algorithms, curves."""

from __future__ import annotations

# OpenSSL short names of name attribute types (OBJ_nid2sn), by OID.
NAME_FIELDS = {
    "2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C",
    "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU",
    "2.5.4.12": "title", "2.5.4.13": "description", "2.5.4.15": "businessCategory",
    "2.5.4.16": "postalAddress", "2.5.4.17": "postalCode", "2.5.4.41": "name",
    "2.5.4.42": "GN", "2.5.4.43": "initials", "2.5.4.44": "generationQualifier",
    "2.5.4.45": "x500UniqueIdentifier", "2.5.4.46": "dnQualifier", "2.5.4.65": "pseudonym",
    "2.5.4.72": "role", "2.5.4.97": "organizationIdentifier",
    "0.9.2342.19200300.100.1.1": "UID", "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "emailAddress", "1.2.840.113549.1.9.2": "unstructuredName",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL", "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC", "1.2.643.3.131.1.1": "INN",
    "1.2.643.100.1": "OGRN", "1.2.643.100.3": "SNILS",
}  # fmt: skip
# Signature algorithms: OpenSSL long name (OBJ_nid2ln) and the key type it needs.
_SIGNATURES = {
    "1.2.840.113549.1.1.2": ("md2WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.3": ("md4WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.4": ("md5WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.5": ("sha1WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.14": ("sha224WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.11": ("sha256WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.12": ("sha384WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.13": ("sha512WithRSAEncryption", "RSA"),
    "1.2.840.113549.1.1.10": ("rsassaPss", "RSA-PSS"),
    **{f"2.16.840.1.101.3.4.3.{13 + i}": (f"RSA-SHA3-{bits}", "RSA")
       for i, bits in enumerate((224, 256, 384, 512))},
    "1.2.840.10045.4.1": ("ecdsa-with-SHA1", "EC"),
    **{f"1.2.840.10045.4.3.{1 + i}": (f"ecdsa-with-SHA{bits}", "EC")
       for i, bits in enumerate((224, 256, 384, 512))},
    **{f"2.16.840.1.101.3.4.3.{9 + i}": (f"ecdsa_with_SHA3-{bits}", "EC")
       for i, bits in enumerate((224, 256, 384, 512))},
    "1.2.840.10040.4.3": ("dsaWithSHA1", "DSA"),
    **{f"2.16.840.1.101.3.4.3.{1 + i}": (f"dsa_with_SHA{bits}", "DSA")
       for i, bits in enumerate((224, 256, 384, 512))},
    "1.3.101.112": ("ED25519", "ED25519"),
    "1.3.101.113": ("ED448", "ED448"),
}  # fmt: skip
SIGNATURE_ALGORITHMS = {oid: names[0] for oid, names in _SIGNATURES.items()}
SIGNATURE_KEY_FAMILY = {oid: names[1] for oid, names in _SIGNATURES.items()}
# Public key algorithms: OpenSSL long names.
KEY_ALGORITHMS = {
    "1.2.840.113549.1.1.1": "rsaEncryption", "1.2.840.113549.1.1.10": "rsassaPss",
    "1.2.840.10040.4.1": "dsaEncryption", "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.2.840.10046.2.1": "X9.42 DH", "1.3.101.110": "X25519", "1.3.101.111": "X448",
    "1.3.101.112": "ED25519", "1.3.101.113": "ED448",
}  # fmt: skip
# cryptography's SEC curve names -> OpenSSL's names where they differ (X9.62 primes).
CURVE_NAMES = {"secp192r1": "prime192v1", "secp256r1": "prime256v1"}
