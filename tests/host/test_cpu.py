"""hostql.host.cpu: the cpuid and msr devices, read as files under a fixture root."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.cpu import Cpu


def write_at(path: Path, offset: int, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)


def test_cpuid_reads_leaf_and_subleaf_offsets(tmp_path: Path) -> None:
    device = tmp_path / "dev/cpu/0/cpuid"
    write_at(device, 7, struct.pack("<4I", 1, 2, 3, 4))
    write_at(device, (1 << 32) | 0x12, struct.pack("<4I", 5, 6, 7, 0xFFFFFFFF))
    cpu = Cpu(Host(tmp_path))
    assert cpu.cpuid(7) == (1, 2, 3, 4)
    assert cpu.cpuid(0x12, 1) == (5, 6, 7, 0xFFFFFFFF)
    with pytest.raises(FileNotFoundError):
        cpu.cpuid(0, cpu=3)


def test_read_msrs_reports_missing_registers_as_none(tmp_path: Path) -> None:
    device = tmp_path / "dev/cpu/1/msr"
    write_at(device, 0x1A0, struct.pack("<Q", 1 << 38))
    (tmp_path / "dev/cpu/0").mkdir(parents=True)
    (tmp_path / "dev/cpu/microcode").mkdir()
    cpu = Cpu(Host(tmp_path))
    assert cpu.numbers() == [0, 1]
    assert cpu.read_msrs(1, [0x1A0, 0x606]) == {0x1A0: 1 << 38, 0x606: None}
    with pytest.raises(FileNotFoundError):
        cpu.read_msrs(0, [0x1A0])


def test_no_dev_cpu_means_no_processors(tmp_path: Path) -> None:
    assert Cpu(Host(tmp_path)).numbers() == []


@pytest.mark.live
def test_live_cpuid_vendor_matches_proc_cpuinfo() -> None:
    if not os.path.exists("/dev/cpu/0/cpuid") or os.geteuid() != 0:
        pytest.skip("needs root and the cpuid driver")
    _, ebx, ecx, edx = Cpu(Host()).cpuid(0)
    vendor = b"".join(r.to_bytes(4, "little") for r in (ebx, edx, ecx)).decode()
    assert f"vendor_id\t: {vendor}" in Path("/proc/cpuinfo").read_text()
