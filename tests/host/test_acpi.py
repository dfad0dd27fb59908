"""The ACPI reader: which entries of /sys/firmware/acpi/tables count as tables."""

from __future__ import annotations

from pathlib import Path

from hostql.host import Host


def test_only_top_level_regular_files_sorted(tmp_path: Path) -> None:
    tables = tmp_path / "sys/firmware/acpi/tables"
    (tables / "data").mkdir(parents=True)
    (tables / "dynamic").mkdir()
    (tables / "data/BERT").write_bytes(b"x")
    for name in ("FACP", "APIC", "DSDT", ".hidden"):
        (tables / name).write_bytes(name.encode())
    (tables / "DANGLING").symlink_to("nowhere")
    reader = Host(tmp_path).acpi
    assert reader.table_names() == ["APIC", "DSDT", "FACP"]
    assert reader.read("APIC") == b"APIC"
    assert reader.read("MISSING") is None


def test_missing_folder(tmp_path: Path) -> None:
    assert Host(tmp_path).acpi.table_names() == []
