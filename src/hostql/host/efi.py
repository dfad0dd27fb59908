"""UEFI: whether the host booted through EFI, and its variables under efivarfs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

EFI_DIR = "/sys/firmware/efi"
EFIVARS_DIR = "/sys/firmware/efi/efivars"
GLOBAL_VARIABLE_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

# efivarfs files start with the variable's 4-byte attribute mask, then its data.
ATTRIBUTES_SIZE = 4
# EFI_SIGNATURE_LIST: SignatureType GUID (16), ListSize, HeaderSize, SignatureSize (3 x u32).
_LIST_HEADER_SIZE = 28
_OWNER_GUID_SIZE = 16
# EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072 starts with 0xa1 on disk.
_X509_GUID_FIRST_BYTE = 0xA1


def signature_list_certificates(content: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset, DER) of each X.509 entry of an efivarfs file holding EFI_SIGNATURE_LISTs."""
    total = len(content)
    if total < ATTRIBUTES_SIZE + _LIST_HEADER_SIZE:
        return
    head = ATTRIBUTES_SIZE
    while head + _LIST_HEADER_SIZE <= total:
        list_size = int.from_bytes(content[head + 16 : head + 20], "little")
        header_size = int.from_bytes(content[head + 20 : head + 24], "little")
        entry_size = int.from_bytes(content[head + 24 : head + 28], "little")
        if list_size == 0 or head + list_size > total:
            return
        # osquery tells X.509 lists from hash lists (SHA-256 and the like) by the first
        # byte of the type GUID alone.
        entries = head + _LIST_HEADER_SIZE + header_size
        if (
            content[head] == _X509_GUID_FIRST_BYTE
            and entry_size > _OWNER_GUID_SIZE
            and entries <= head + list_size
        ):
            for index in range((head + list_size - entries) // entry_size):
                start = entries + index * entry_size + _OWNER_GUID_SIZE
                end = start + entry_size - _OWNER_GUID_SIZE
                if end > total:
                    break
                yield start, content[start:end]
        head += list_size


class EfiReader:
    """Reads the EFI facts and variables of one host."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def booted_with_efi(self) -> bool:
        """Whether the kernel booted through UEFI (it then exposes /sys/firmware/efi)."""
        return self._host.path(EFI_DIR).is_dir()

    def variable(self, name: str, guid: str = GLOBAL_VARIABLE_GUID, limit: int = -1) -> bytes:
        """The efivarfs content (attributes, then data) of a variable, up to limit bytes."""
        path = self._host.path(f"{EFIVARS_DIR}/{name}-{guid}")
        with path.open("rb") as handle:
            return handle.read(limit)

    def signature_databases(self) -> list[tuple[str, str]]:
        """(name, host path) of each db-* and dbx-* variable, db first, each sorted."""
        directory = self._host.path(EFIVARS_DIR)
        found: list[tuple[str, str]] = []
        for name in ("db", "dbx"):
            try:
                paths = sorted(p.name for p in directory.glob(f"{name}-*"))
            except OSError:
                continue
            found += [(name, f"{EFIVARS_DIR}/{p}") for p in paths]
        return found

    def read(self, path: str) -> bytes:
        """The whole content of an efivarfs file named by its host path."""
        return self._host.path(path).read_bytes()


def attach(host: Host) -> EfiReader:
    """The EFI reader of host."""
    return EfiReader(host)
