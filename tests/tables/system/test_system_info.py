"""system_info: CPU, memory and DMI facts from a fixture tree, Lenovo's swap, live hostname."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.tables.system.system_info import cpu_facts, dmi_facts, system_info
from hostql.testing import run_table

PROCESSOR = """processor\t: {n}
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 85
model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
microcode\t: 0x5003604
physical id\t: {socket}
siblings\t: 2
core id\t\t: {core}
flags\t\t: fpu vme de pse
power management:

"""
DMI = {
    "sys_vendor": "Dell Inc.",
    "product_name": "PowerEdge R640",
    "product_version": "1.0",
    "board_vendor": "Dell Inc.",
    "board_name": "0W23H8",
    "board_version": "A01",
    "product_uuid": "4c4c4544-0047-3410-8036-b4c04f4d4e32",
}


def write_tree(root: Path, dmi: dict[str, str] | None) -> None:
    cpuinfo = "".join(PROCESSOR.format(n=n, socket=n // 2, core=n % 2) for n in range(4))
    files = {
        "proc/cpuinfo": cpuinfo,
        "proc/meminfo": "MemTotal:       16314420 kB\nMemFree:         1000000 kB\n",
        "proc/sys/kernel/hostname": "db01\n",
        "proc/sys/kernel/arch": "x86_64\n",
        "sys/devices/system/cpu/online": "0-3\n",
    }
    for name, value in (dmi or {}).items():
        files[f"sys/class/dmi/id/{name}"] = value + "\n"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_row_from_fixture(tmp_path: Path) -> None:
    write_tree(tmp_path, DMI)
    (row,) = run_table(system_info, root=tmp_path)
    assert row == {
        "hostname": "db01",
        "uuid": Host(tmp_path).identity.hardware_uuid(),
        "cpu_type": "x86_64",
        "cpu_subtype": "85",
        "cpu_brand": "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz",
        "cpu_physical_cores": 4,
        "cpu_logical_cores": 4,
        "cpu_sockets": 2,
        "cpu_microcode": "0x5003604",
        "physical_memory": 16314420 * 1024,
        "hardware_vendor": "Dell Inc.",
        "hardware_model": "PowerEdge R640",
        "hardware_version": "1.0",
        # Serial numbers are root-only; an absent file stays NULL.
        "hardware_serial": None,
        "board_vendor": "Dell Inc.",
        "board_model": "0W23H8",
        "board_version": "A01",
        "board_serial": None,
        "computer_name": "db01",
        "local_hostname": "db01",
    }
    assert row["uuid"].lower() == DMI["product_uuid"]


def test_without_dmi_the_model_is_empty(tmp_path: Path) -> None:
    write_tree(tmp_path, None)
    (row,) = run_table(
        system_info, root=tmp_path, columns="hardware_vendor, hardware_model, board_model"
    )
    assert row == {"hardware_vendor": None, "hardware_model": "", "board_model": None}


def test_lenovo_keeps_the_model_in_the_version() -> None:
    facts = dmi_facts(
        {"hardware_vendor": "LENOVO", "hardware_model": "20QD0007US", "hardware_version": "X1"}
    )
    assert (facts["hardware_model"], facts["hardware_version"]) == ("X1", "20QD0007US")


def test_cpu_facts_without_topology() -> None:
    facts = cpu_facts("processor\t: 0\nmodel name\t: ARMv8 Processor rev 1 (v8l)\n", 1)
    assert facts == {
        "cpu_subtype": "0",
        "cpu_brand": "ARMv8 Processor rev 1 (v8l)",
        "cpu_physical_cores": 1,
    }


@pytest.mark.live
def test_live_hostname_and_cores() -> None:
    (row,) = run_table(system_info)
    assert row["computer_name"] == socket.gethostname()
    assert row["hostname"]
    assert row["cpu_logical_cores"] >= 1
    assert row["physical_memory"] > 0
