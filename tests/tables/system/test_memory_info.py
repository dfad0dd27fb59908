"""memory_info: /proc/meminfo in bytes, one row."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.memory_info import memory_info
from hostql.testing import run_table

MEMINFO = """\
MemTotal:        2048000 kB
MemFree:          512000 kB
MemAvailable:    1024000 kB
Buffers:           10000 kB
Cached:           200000 kB
SwapCached:            0 kB
Active:           300000 kB
Inactive:         400000 kB
Active(anon):     100000 kB
SwapTotal:       1000000 kB
SwapFree:            bad kB
"""


def test_values_in_bytes(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text(MEMINFO)
    assert run_table(memory_info, root=tmp_path) == [
        {
            "memory_total": 2048000 * 1024,
            "memory_free": 512000 * 1024,
            "memory_available": 1024000 * 1024,
            "buffers": 10000 * 1024,
            "cached": 200000 * 1024,
            "swap_cached": 0,
            "active": 300000 * 1024,
            "inactive": 400000 * 1024,
            "swap_total": 1000000 * 1024,
            "swap_free": None,
        }
    ]


def test_one_row_even_without_meminfo(tmp_path: Path) -> None:
    rows = run_table(memory_info, root=tmp_path)
    assert len(rows) == 1 and set(rows[0].values()) == {None}


@pytest.mark.live
def test_live_total_matches_sysconf() -> None:
    import os

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    (row,) = run_table(memory_info)
    assert row["memory_total"] == pytest.approx(total, rel=0.01)
    assert 0 < row["memory_free"] <= row["memory_total"]
