"""The EFI reader: efivarfs variables and EFI_SIGNATURE_LIST parsing."""

from __future__ import annotations

import struct
import uuid
from pathlib import Path

from hostql.host import Host
from hostql.host.efi import GLOBAL_VARIABLE_GUID, signature_list_certificates

X509 = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072").bytes_le
SHA256 = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le
OWNER = uuid.UUID("77fa9abd-0359-4d32-bd60-28f4e78f784b").bytes_le
ATTRIBUTES = struct.pack("<I", 0x27)


def signature_list(kind: bytes, entries: list[bytes], header: bytes = b"") -> bytes:
    """An EFI_SIGNATURE_LIST of same-sized entries, each prefixed with the owner GUID."""
    size = 16 + len(entries[0])
    body = b"".join(OWNER + e for e in entries)
    return (
        kind + struct.pack("<III", 28 + len(header) + len(body), len(header), size) + header + body
    )


def test_x509_entries_found_and_hash_lists_skipped() -> None:
    content = (
        ATTRIBUTES
        + signature_list(SHA256, [b"\x11" * 32, b"\x22" * 32])
        + signature_list(X509, [b"CERT-ONE"])
        + signature_list(X509, [b"two-aaaa", b"two-bbbb"], header=b"HDR")
    )
    found = [der for _, der in signature_list_certificates(content)]
    assert found == [b"CERT-ONE", b"two-aaaa", b"two-bbbb"]
    offsets = [offset for offset, _ in signature_list_certificates(content)]
    assert content[offsets[0] : offsets[0] + 8] == b"CERT-ONE"


def test_truncated_or_zero_sized_lists_stop_the_walk() -> None:
    good = signature_list(X509, [b"CERT-ONE"])
    assert list(signature_list_certificates(ATTRIBUTES + good[:-1])) == []
    zero = X509 + struct.pack("<III", 0, 0, 24)
    assert list(signature_list_certificates(ATTRIBUTES + zero + good)) == []
    tiny = X509 + struct.pack("<III", 28 + 16, 0, 16) + OWNER  # entries no bigger than a GUID
    assert [d for _, d in signature_list_certificates(ATTRIBUTES + tiny + good)] == [b"CERT-ONE"]
    assert list(signature_list_certificates(ATTRIBUTES)) == []


def test_reader(tmp_path: Path) -> None:
    reader = Host(tmp_path).efi
    assert not reader.booted_with_efi()
    variables = tmp_path / "sys/firmware/efi/efivars"
    variables.mkdir(parents=True)
    assert reader.booted_with_efi()
    (variables / f"SecureBoot-{GLOBAL_VARIABLE_GUID}").write_bytes(ATTRIBUTES + b"\x01")
    assert reader.variable("SecureBoot", limit=5) == ATTRIBUTES + b"\x01"
    guid = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
    for name in (f"dbx-{guid}", f"db-{guid}", f"dbDefault-{guid}", f"db-{guid[::-1]}"):
        (variables / name).write_bytes(ATTRIBUTES)
    assert reader.signature_databases() == [
        ("db", f"/sys/firmware/efi/efivars/db-{guid}"),
        ("db", f"/sys/firmware/efi/efivars/db-{guid[::-1]}"),
        ("dbx", f"/sys/firmware/efi/efivars/dbx-{guid}"),
    ]
    assert reader.read(f"/sys/firmware/efi/efivars/db-{guid}") == ATTRIBUTES
