"""cpu_info: SMBIOS processor records from a fixture DMI table."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hostql.tables.system.cpu_info import cpu_info
from hostql.testing import run_table


def processor(handle: int, kind: int, strings: list[bytes], length: int = 0x30) -> bytes:
    body = bytearray(length)
    body[0:4] = struct.pack("<BBH", 4, length, handle)
    body[0x04] = 1  # socket designation: string 1
    body[0x05] = kind
    body[0x07] = 2  # manufacturer
    if length > 0x10:
        body[0x10] = 3  # version (model)
    if length >= 0x30:
        struct.pack_into("<HH", body, 0x14, 4700, 2600)  # max, current speed (MHz)
        body[0x18] = 0x41
        body[0x23], body[0x25] = 8, 16
        struct.pack_into("<H", body, 0x26, 0b100)  # 64-bit capable
    return bytes(body) + b"\0".join(strings) + b"\0\0"


def table(*structures: bytes) -> bytes:
    bios = struct.pack("<BBH", 0, 4, 0) + b"\0\0"
    end = struct.pack("<BBH", 127, 4, 0xFFFF) + b"\0\0"
    return bios + b"".join(structures) + end


def test_processor_records(tmp_path: Path) -> None:
    dmi = tmp_path / "sys/firmware/dmi/tables/DMI"
    dmi.parent.mkdir(parents=True)
    dmi.write_bytes(
        table(
            processor(0x400, 3, [b"CPU 0", b"Intel(R) Corporation", b"Xeon(R) Gold 6130   "]),
            processor(0x401, 1, [b"SOCKET 9", b"Acme", b"Other chip"]),
            processor(0x402, 3, [b"CPU 1", b"Intel(R) Corporation", b"Xeon(R) Gold 6130"]),
            processor(0x403, 3, [b"OLD", b"Vendor", b"Pentium"], length=0x1A),
        )
    )
    common = {"processor_type": "3", "cpu_status": 0x41, "number_of_cores": "8",
              "logical_processors": 16, "address_width": "64", "current_clock_speed": 2600,
              "max_clock_speed": 4700, "manufacturer": "Intel(R) Corporation"}  # fmt: skip
    assert run_table(cpu_info, root=tmp_path) == [
        {"device_id": "CPU0", "model": "Xeon(R) Gold 6130", "socket_designation": "CPU 0",
         **common},
        # Processor type 1 ("Other") has no friendly name: no device_id, no number used.
        {**common, "device_id": None, "model": "Other chip", "manufacturer": "Acme",
         "processor_type": "1", "socket_designation": "SOCKET 9"},
        {"device_id": "CPU1", "model": "Xeon(R) Gold 6130", "socket_designation": "CPU 1",
         **common},
    ]  # fmt: skip


def test_no_smbios_no_rows(tmp_path: Path) -> None:
    assert run_table(cpu_info, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_dmidecode_when_smbios_exists() -> None:
    import shutil
    import subprocess

    rows = run_table(cpu_info)
    if not Path("/sys/firmware/dmi/tables/DMI").exists():
        assert rows == []
        pytest.skip("no SMBIOS on this machine")
    if shutil.which("dmidecode") is None:
        pytest.skip("dmidecode is not installed")
    output = subprocess.run(
        ["dmidecode", "-t", "4", "-q"], capture_output=True, text=True, check=True
    ).stdout
    sockets = [line.split(":", 1)[1].strip() for line in output.splitlines()
               if line.strip().startswith("Socket Designation:")]  # fmt: skip
    assert [r["socket_designation"] for r in rows] == sockets
