"""lxd_certificates: the certificates an LXD server trusts."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import text
from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "lxd_certificates",
    "LXD certificates information.",
    platforms=(LINUX,),
    examples=("select * from lxd_certificates",),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("name", TEXT, "Name of the certificate"),
        Column("type", TEXT, "Type of the certificate"),
        Column("fingerprint", TEXT, "SHA256 hash of the certificate", collate="NOCASE"),
        Column("certificate", TEXT, "Certificate content"),
    ],
)
def lxd_certificates(ctx: QueryContext) -> Iterator[Row]:
    """One row per trusted certificate."""
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    for certificate in client.certificates() or ():
        yield {
            "name": text(certificate.get("name")),
            "type": text(certificate.get("type")),
            "fingerprint": text(certificate.get("fingerprint")),
            "certificate": text(certificate.get("certificate")),
        }
