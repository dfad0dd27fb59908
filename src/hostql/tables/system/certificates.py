"""certificates: the CA certificates of the system PEM bundles."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.certs import BUNDLES, iter_described
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "certificates",
    "Certificate Authorities installed in Keychains/ca-bundles. NOTE: osquery limits frequent "
    "access to keychain files on macOS. This limit is controlled by keychain_access_interval "
    "flag. On macOS, 'path' may point to either a keychain file or a DER/PEM-encoded "
    "certificate file; non-keychain files are parsed as DER/PEM.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=(
        "select common_name, not_valid_after from certificates where ca = 1",
        "select * from certificates where path = '/etc/ssl/certs/ca-certificates.crt'",
    ),
    notes="Linux reads the PEM bundles /etc/pki/tls/certs/ca-bundle.crt and "
    "/etc/ssl/certs/ca-certificates.crt, or the files given by path = constraints. As in "
    "osquery, not_valid_before/after are OpenSSL's GMT times read back as local time, subject "
    "and issuer use X509_NAME_oneline, subject2 and issuer2 the RFC 2253 one-line form, and "
    "key_strength is EVP_PKEY_size * 8 for RSA/DSA keys or the curve name for EC keys. A "
    "certificate block that does not parse is skipped with a warning.",
    columns=[
        Column("common_name", TEXT, "Certificate CommonName"),
        Column("subject", TEXT, "Certificate distinguished name (deprecated, use subject2)"),
        Column("subject2", TEXT, "Certificate distinguished name"),
        Column("issuer", TEXT, "Certificate issuer distinguished name (deprecated, use issuer2)"),
        Column("issuer2", TEXT, "Certificate issuer distinguished name"),
        Column("ca", INTEGER, "1 if CA: true (certificate is an authority) else 0"),
        Column("self_signed", INTEGER, "1 if self-signed, else 0"),
        Column("not_valid_before", TEXT, "Lower bound of valid date"),
        Column("not_valid_after", TEXT, "Certificate expiration data"),
        Column("signing_algorithm", TEXT, "Signing algorithm used"),
        Column("key_algorithm", TEXT, "Key algorithm used"),
        Column("key_strength", TEXT, "Key size used for RSA/DSA, or curve name"),
        Column("key_usage", TEXT, "Certificate key usage and extended key usage"),
        Column("subject_key_id", TEXT, "SKID an optionally included SHA1", collate="NOCASE"),
        Column("authority_key_id", TEXT, "AKID an optionally included SHA1", collate="NOCASE"),
        Column("sha1", TEXT, "SHA1 hash of the raw certificate contents", collate="NOCASE"),
        Column("path", TEXT, "Path to Keychain or PEM bundle", additional=True, optimized=True),
        Column("serial", TEXT, "Certificate serial number", collate="NOCASE"),
        Column("sid", TEXT, "", platforms=("windows",)),
        Column("store_location", TEXT, "", platforms=("windows",)),
        Column("store", TEXT, "", platforms=("windows",)),
        Column("username", TEXT, "", platforms=("windows",)),
        Column("store_id", TEXT, "", platforms=("windows",)),
    ],
)
def certificates(ctx: QueryContext) -> Iterator[Row]:
    """One row per certificate of each bundle (path = constraints name the bundles to read)."""
    paths = ctx.equals("path")
    bundles = BUNDLES if paths is None else sorted(str(p) for p in paths)
    reader = ctx.host.certs
    for path in bundles:
        try:
            certs, bad = reader.bundle(path)
        except OSError:
            continue
        if bad:
            ctx.warn(f"certificates: skipped {bad} unparsable certificate(s) in {path}")
        for row in iter_described(certs):
            row["path"] = path
            yield row
