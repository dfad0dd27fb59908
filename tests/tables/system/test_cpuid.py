"""cpuid: osquery's rows from CPUID leaves, read through a fixture cpuid device."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from hostql.host.cpu import Cpu
from hostql.tables.system.cpuid import cpuid
from hostql.testing import engine_for, run_table

NAME = b"Intel(R) Core(TM) i7-8565U CPU @ 1.80GHz".ljust(48, b"\0")


def registers(text: bytes) -> tuple[int, ...]:
    return struct.unpack("<4I", text)


LEAVES: dict[tuple[int, int], tuple[int, ...]] = {
    (0, 0): (0x16, *struct.unpack("<3I", b"GenuntelineI")),
    (1, 0): (0x806EC, 0, 1 << 0 | 1 << 9 | 1 << 31, 1 << 5 | 1 << 6 | 1 << 26),
    (3, 0): (0, 0, 0, 0xABCD),
    (7, 0): (0, 1 << 5, 1 << 8, 1 << 26),
    (0x12, 0): (1, 2, 3, 4),
    (0x12, 1): (0xFFFFFFFF, 0, 0, 0),
    (0x40000000, 0): (0x40000001, 0x4B4D564B, 0x564B4D56, 0x4D),
    (0x80000001, 0): (0, 0, 1 << 8, 1 << 29),
    (0x80000002, 0): registers(NAME[:16]),
    (0x80000003, 0): registers(NAME[16:32]),
    (0x80000004, 0): registers(NAME[32:]),
}


def device(root: Path, leaves: dict[tuple[int, int], tuple[int, ...]]) -> None:
    path = root / "dev/cpu/0/cpuid"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for (leaf, subleaf), values in leaves.items():
            os.pwrite(fd, struct.pack("<4I", *values), subleaf << 32 | leaf)
    finally:
        os.close(fd)


def fake_device(
    monkeypatch: pytest.MonkeyPatch, leaves: dict[tuple[int, int], tuple[int, ...]]
) -> None:
    """Answer CPUID from leaves instead of the device file (test_cpu covers reading it)."""
    # The driver keys 16-byte answers by offset = leaf: leaves 0, 1 and 3 are one byte apart,
    # which a plain file cannot hold.

    def read(self: Cpu, leaf: int, subleaf: int = 0, cpu: int = 0) -> tuple[int, ...]:
        return leaves.get((leaf, subleaf), (0, 0, 0, 0))

    monkeypatch.setattr(Cpu, "cpuid", read)


def test_strings_family_and_features(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_device(monkeypatch, LEAVES)
    rows = run_table(cpuid, root=tmp_path)
    assert rows[:5] == [
        {"feature": "vendor", "value": "GenuineIntel", "output_register": "ebx,edx,ecx",
         "output_bit": 0, "input_eax": "0"},
        {"feature": "product_name", "value": NAME.rstrip(b"\0").decode(),
         "output_register": "eax,ebx,ecx,edx", "output_bit": 0, "input_eax": "0x80000002"},
        # osquery prints eax, ebx, ecx here, whatever output_register says.
        {"feature": "hypervisor_id", "value": "400000014b4d564b564b4d56",
         "output_register": "ebx,ecx,edx", "output_bit": 0, "input_eax": "0x40000000"},
        {"feature": "serial", "value": "000806ec000000000000abcd",
         "output_register": "eax,eax,ecx", "output_bit": 0, "input_eax": "1,3"},
        {"feature": "family", "value": "0600", "output_register": "eax", "output_bit": 0,
         "input_eax": "1"},
    ]  # fmt: skip
    values = {r["feature"]: r["value"] for r in rows}
    set_bits = {"sse3", "ssse3", "hypervisor", "msr", "pae", "sse2", "avx2", "gfni",
                "spec_ctrl", "3dnowprefetch", "lm"}  # fmt: skip
    features = [r for r in rows[5:-2]]
    assert len(features) == 28 + 25 + 9
    assert {r["feature"] for r in features if r["value"] == "1"} == set_bits
    assert {r["input_eax"] for r in features} == {"1", "7", "2147483649"}
    assert next(r for r in features if r["feature"] == "avx2")["output_bit"] == 5
    assert values["sgx0"] == "00000001000000020000000300000004"
    assert rows[-1] == {"feature": "sgx1", "value": "ffffffff000000000000000000000000",
                        "output_register": "eax,ebx,ecx,edx", "output_bit": 0,
                        "input_eax": "18,1"}  # fmt: skip


def test_no_hypervisor_row_on_bare_metal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_device(monkeypatch, {**LEAVES, (0x40000000, 0): (0, 0, 0, 0)})
    assert "hypervisor_id" not in {r["feature"] for r in run_table(cpuid, root=tmp_path)}


def test_missing_driver_means_no_rows_and_a_warning(tmp_path: Path) -> None:
    engine = engine_for(cpuid, root=tmp_path)
    assert engine.query("select * from cpuid") == []
    assert engine.take_warnings() == [
        "cpuid: /dev/cpu/0/cpuid is missing: load the cpuid module (modprobe cpuid)"
    ]
    device(tmp_path, {(0, 0): (0, 0, 0, 0)})  # highest leaf 0: CPUID unusable
    assert run_table(cpuid, root=tmp_path) == []


@pytest.mark.live
def test_live_flags_match_proc_cpuinfo() -> None:
    if not os.path.exists("/dev/cpu/0/cpuid") or os.geteuid() != 0:
        pytest.skip("needs root and the cpuid driver")
    info = Path("/proc/cpuinfo").read_text().split("\n\n")[0]
    fields = {k.strip(): v for k, _, v in (line.partition(":") for line in info.splitlines())}
    flags = set(fields["flags"].split())
    rows = {r["feature"]: r["value"] for r in run_table(cpuid)}
    assert rows["vendor"] == fields["vendor_id"].strip()
    assert rows["product_name"].strip() == fields["model name"].strip()
    for feature in ("sse2", "avx", "avx2", "aes", "pcid", "hypervisor", "lm", "nx"):
        # The kernel may hide a flag it disabled, never invent one the CPU lacks.
        if feature in flags:
            assert rows[feature] == "1", feature
