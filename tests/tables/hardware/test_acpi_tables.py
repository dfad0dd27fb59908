"""acpi_tables: the firmware's ACPI tables with their sizes and MD5s."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from hostql.host.acpi import AcpiReader
from hostql.tables.hardware.acpi_tables import acpi_tables
from hostql.testing import run_table

DSDT = b"DSDT" + bytes(range(200))
FACP = b"FACP" + b"\x01" * 40


@pytest.fixture
def root(tmp_path: Path) -> Path:
    tables = tmp_path / "sys/firmware/acpi/tables"
    (tables / "dynamic").mkdir(parents=True)
    (tables / "dynamic/SSDT1").write_bytes(b"SSDT")
    (tables / "FACP").write_bytes(FACP)
    (tables / "DSDT").write_bytes(DSDT)
    (tables / "EMPTY").write_bytes(b"")
    return tmp_path


def test_tables_sorted_with_size_and_md5(root: Path) -> None:
    assert run_table(acpi_tables, root=root) == [
        {"name": "DSDT", "size": len(DSDT), "md5": hashlib.md5(DSDT).hexdigest()},
        {"name": "EMPTY", "size": 0, "md5": hashlib.md5(b"").hexdigest()},
        {"name": "FACP", "size": len(FACP), "md5": hashlib.md5(FACP).hexdigest()},
    ]


def test_name_constraint_reads_only_that_table(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    original = AcpiReader.read

    def spy(self: AcpiReader, name: str) -> bytes | None:
        read.append(name)
        return original(self, name)

    monkeypatch.setattr(AcpiReader, "read", spy)
    assert run_table(acpi_tables, "name = 'FACP'", root=root, columns="name, size") == [
        {"name": "FACP", "size": len(FACP)}
    ]
    assert read == ["FACP"]
    read.clear()
    assert len(run_table(acpi_tables, root=root, columns="name")) == 3
    assert read == []


def test_unreadable_table_has_size_minus_one(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = AcpiReader.read
    monkeypatch.setattr(
        AcpiReader, "read", lambda self, name: None if name == "DSDT" else original(self, name)
    )
    rows = run_table(acpi_tables, "name = 'DSDT'", root=root)
    assert rows == [{"name": "DSDT", "size": -1, "md5": None}]


def test_no_acpi(tmp_path: Path) -> None:
    assert run_table(acpi_tables, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_md5sum() -> None:
    tables = sorted(p for p in Path("/sys/firmware/acpi/tables").glob("*") if p.is_file())
    if not tables:
        assert run_table(acpi_tables) == []
        return
    out = subprocess.run(["md5sum", *map(str, tables)], capture_output=True, text=True)
    expected = {
        Path(path).name: digest
        for digest, path in (line.split() for line in out.stdout.splitlines())
    }
    rows = {r["name"]: r["md5"] for r in run_table(acpi_tables)}
    assert rows == expected
