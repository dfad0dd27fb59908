"""msr: model specific registers read through fixture msr devices."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from hostql.tables.system.msr import msr
from hostql.testing import engine_for, run_table


def device(root: Path, cpu: int, writes: list[tuple[int, int]]) -> None:
    """A fixture msr device: each value written at offset = register, in list order."""
    # The driver answers 8 bytes per register; in a file, registers one byte apart
    # (0x198/0x199, 0x610/0x611) overlap, the later write winning.
    path = root / f"dev/cpu/{cpu}/msr"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for register, value in writes:
            os.pwrite(fd, struct.pack("<Q", value), register)
    finally:
        os.close(fd)


def test_registers_per_processor(tmp_path: Path) -> None:
    device(
        tmp_path,
        0,
        [
            (0x198, 0x2A), (0x199, 0x1D00), (0x1A0, 1 << 38 | 1), (0x1AD, 0x1F1F1F1F),
            (0xCE, 0x80838F1012800), (0x3A, 5), (0x610, 0xE8), (0x611, 0x80 << 56),
            (0x606, 0xA0E03),
        ],
    )  # fmt: skip
    device(tmp_path, 1, [(0x1A0, 1), (0x1AD, 7)])
    os.truncate(tmp_path / "dev/cpu/1/msr", 0x1B5)  # the RAPL registers read short
    assert run_table(msr, root=tmp_path) == [
        # perf_status reads its own byte then perf_ctl's; perf_ctl is masked to 16 bits.
        {"processor_number": 0, "turbo_disabled": 1, "turbo_ratio_limit": 0x1F1F1F1F,
         "platform_info": 0x80838F1012800, "perf_ctl": 0x1D00, "perf_status": 0x1D002A,
         "feature_control": 5, "rapl_power_limit": 0xE8,
         # above 2^63 - 1: osquery's signed parse gives NULL
         "rapl_energy_status": None, "rapl_power_units": 0xA0E03},
        {"processor_number": 1, "turbo_disabled": 0, "turbo_ratio_limit": 7,
         "platform_info": 0, "perf_ctl": 0, "perf_status": 0, "feature_control": 0,
         "rapl_power_limit": None, "rapl_energy_status": None, "rapl_power_units": None},
    ]  # fmt: skip
    assert run_table(msr, "processor_number = 1", root=tmp_path, columns="turbo_ratio_limit") == [
        {"turbo_ratio_limit": 7}
    ]


def test_without_the_msr_driver(tmp_path: Path) -> None:
    engine = engine_for(msr, root=tmp_path)
    assert engine.query("select * from msr") == []
    assert engine.take_warnings() == [
        "msr: no processors under /dev/cpu: is the msr module loaded?"
    ]
    (tmp_path / "dev/cpu/0").mkdir(parents=True)
    (tmp_path / "dev/cpu/1").mkdir()
    assert engine.query("select * from msr") == []
    assert engine.take_warnings() == [
        "msr: no msr device for processor(s) 0, 1: load the msr module (modprobe msr)"
    ]


@pytest.mark.live
def test_live_one_row_per_cpu_with_the_driver() -> None:
    rows = run_table(msr)
    if not os.path.exists("/dev/cpu/0/msr") or os.geteuid() != 0:
        assert rows == []
        pytest.skip("no msr driver here (modprobe msr) or not root")
    assert [r["processor_number"] for r in rows] == list(range(os.cpu_count() or 0))
