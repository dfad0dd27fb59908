"""curl_certificate: the TLS certificate a server presents, fetched by connecting to it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from hostql.host.http_client import HttpError
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

_log = logging.getLogger(__name__)

# osquery's DEFAULT_READ_TIMEOUT, in seconds.
DEFAULT_TIMEOUT = 4


@table(
    "curl_certificate",
    "Inspect TLS certificates by connecting to input hostnames.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from curl_certificate where hostname = '127.0.0.1:1'",
        "select common_name, valid_to, pem from curl_certificate "
        "where hostname = '127.0.0.1:1' and dump_certificate = 1",
    ),
    notes="One TLS handshake (without verification) per hostname = / IN value, host[:port] "
    "with port 443 by default; the row describes the leaf certificate the server presents, "
    "its extensions printed as OpenSSL prints them (lines joined by ';'). timeout = N "
    "bounds each socket operation in seconds (0: none); pem needs dump_certificate = 1.",
    columns=[
        Column(
            "hostname",
            TEXT,
            "Hostname to CURL (domain[:port], e.g. osquery.io)",
            required=True,
            optimized=True,
        ),
        Column("common_name", TEXT, "Common name of company issued to"),
        Column("organization", TEXT, "Organization issued to"),
        Column("organization_unit", TEXT, "Organization unit issued to"),
        Column("serial_number", TEXT, "Certificate serial number", collate="NOCASE"),
        Column("issuer_common_name", TEXT, "Issuer common name"),
        Column("issuer_organization", TEXT, "Issuer organization"),
        Column("issuer_organization_unit", TEXT, "Issuer organization unit"),
        Column("valid_from", TEXT, "Period of validity start date"),
        Column("valid_to", TEXT, "Period of validity end date"),
        Column("sha256_fingerprint", TEXT, "SHA-256 fingerprint", collate="NOCASE"),
        Column("sha1_fingerprint", TEXT, "SHA1 fingerprint", collate="NOCASE"),
        Column("version", INTEGER, "Version Number"),
        Column("signature_algorithm", TEXT, "Signature Algorithm"),
        Column("signature", TEXT, "Signature"),
        Column("subject_key_identifier", TEXT, "Subject Key Identifier", collate="NOCASE"),
        Column("authority_key_identifier", TEXT, "Authority Key Identifier", collate="NOCASE"),
        Column("key_usage", TEXT, "Usage of key in certificate"),
        Column("extended_key_usage", TEXT, "Extended usage of key in certificate"),
        Column("policies", TEXT, "Certificate Policies"),
        Column("subject_alternative_names", TEXT, "Subject Alternative Name"),
        Column("issuer_alternative_names", TEXT, "Issuer Alternative Name"),
        Column("info_access", TEXT, "Authority Information Access"),
        Column("subject_info_access", TEXT, "Subject Information Access"),
        Column("policy_mappings", TEXT, "Policy Mappings"),
        Column("has_expired", INTEGER, "1 if the certificate has expired, 0 otherwise"),
        Column("basic_constraint", TEXT, "Basic Constraints"),
        Column("name_constraints", TEXT, "Name Constraints"),
        Column("policy_constraints", TEXT, "Policy Constraints"),
        Column(
            "dump_certificate",
            INTEGER,
            "Set this value to '1' to dump certificate",
            hidden=True,
            additional=True,
        ),
        Column(
            "timeout",
            INTEGER,
            "Set this value to the timeout in seconds to complete the TLS handshake (default "
            "4s, use 0 for no timeout)",
            hidden=True,
            additional=True,
        ),
        Column("pem", TEXT, "Certificate PEM format"),
    ],
)
def curl_certificate(ctx: QueryContext) -> Iterator[Row]:
    """A row per hostname whose server completed enough of a TLS handshake to show a cert."""
    from hostql.host import x509_text

    dump = 1 if 1 in _integers(ctx.equals("dump_certificate")) else 0
    timeout = DEFAULT_TIMEOUT
    timeouts = sorted(ctx.equals("timeout") or (), key=str)
    if timeouts:
        parsed = _integers({timeouts[0]})
        timeout = parsed.pop() if parsed else DEFAULT_TIMEOUT
        if timeout < 0:
            ctx.warn(f"Ignoring out of range timeout: {timeout}")
            timeout = DEFAULT_TIMEOUT
    web = ctx.host.http_client
    for hostname in sorted(str(h) for h in ctx.equals("hostname") or ()):
        host, port = _split(hostname)
        if port is None:
            _log.info("Cannot get certificate for %s: Unable to resolve hostname", hostname)
            continue
        try:
            der = web.peer_certificate(host, port, timeout or None)
            cert = x509_text.load_der(der)
        except (HttpError, ValueError) as exc:
            _log.info("Cannot get certificate for %s: %s", hostname, exc)
            continue
        row: Row = {"hostname": hostname, **x509_text.describe(cert)}
        row["timeout"] = timeout
        row["dump_certificate"] = dump
        if dump:
            row["pem"] = x509_text.pem(cert)
        yield row


def _split(hostname: str) -> tuple[str, int | None]:
    """osquery's split at the first ':' (a trailing ':' means the default port); ports must
    be numeric (AI_NUMERICSERV), else None."""
    host, colon, port = hostname.partition(":")
    if not colon or not port:
        return host, 443
    return host, int(port) if port.isdigit() and int(port) < 65536 else None


def _integers(values: set[object] | None) -> set[int]:
    """The values that read as base-10 integers."""
    found = set()
    for value in values or ():
        try:
            found.add(int(str(value), 10))
        except ValueError:
            continue
    return found
