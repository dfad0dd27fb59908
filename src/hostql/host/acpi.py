"""ACPI: the firmware tables the kernel exposes under /sys/firmware/acpi/tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

TABLES_DIR = "/sys/firmware/acpi/tables"


class AcpiReader:
    """Reads the ACPI tables of one host."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def table_names(self) -> list[str]:
        """Names of the top-level tables, sorted; the data/ and dynamic/ folders are skipped."""
        directory = self._host.path(TABLES_DIR)
        try:
            entries = list(directory.iterdir())
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []
        # osquery lists the folder with a "*" glob (sorted, no dot files) limited to files,
        # then skips what is not a regular file: the data/ and dynamic/ folders never appear.
        return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_file())

    def read(self, name: str) -> bytes | None:
        """The content of table name, or None when it cannot be read."""
        try:
            return self._host.path(f"{TABLES_DIR}/{name}").read_bytes()
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            return None


def attach(host: Host) -> AcpiReader:
    """The ACPI reader of host."""
    return AcpiReader(host)
