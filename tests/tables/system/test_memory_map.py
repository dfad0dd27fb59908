"""memory_map: the regions of /proc/iomem."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.memory_map import memory_map
from hostql.testing import run_table

IOMEM = """\
00000000-00000fff : Reserved
00001000-0009fbff : System RAM
  000f0000-000fffff : System ROM
00100000-bfffffff : System RAM
  01000000-02276507 : Kernel code
fec00000-fec003ff : IOAPIC 0
broken line
deadbeef-
100000000-63fffffff : System RAM
"""


def test_every_region_nested_ones_included(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/iomem").write_text(IOMEM)
    assert run_table(memory_map, root=tmp_path) == [
        {"name": "Reserved", "start": "0x00000000", "end": "0x00000fff"},
        {"name": "System RAM", "start": "0x00001000", "end": "0x0009fbff"},
        {"name": "System ROM", "start": "0x000f0000", "end": "0x000fffff"},
        {"name": "System RAM", "start": "0x00100000", "end": "0xbfffffff"},
        {"name": "Kernel code", "start": "0x01000000", "end": "0x02276507"},
        {"name": "IOAPIC 0", "start": "0xfec00000", "end": "0xfec003ff"},
        {"name": "System RAM", "start": "0x100000000", "end": "0x63fffffff"},
    ]
    assert run_table(memory_map, "name = 'System RAM'", root=tmp_path, columns="end") == [
        {"end": "0x0009fbff"},
        {"end": "0xbfffffff"},
        {"end": "0x63fffffff"},
    ]


@pytest.mark.live
def test_live_system_ram_matches_proc_iomem() -> None:
    expected = []
    for line in Path("/proc/iomem").read_text().splitlines():
        span, _, name = line.strip().partition(" : ")
        if name == "System RAM":
            start, end = span.split("-")
            expected.append({"start": "0x" + start, "end": "0x" + end})
    rows = run_table(memory_map, "name = 'System RAM'", columns="start, end")
    assert rows == expected and rows
