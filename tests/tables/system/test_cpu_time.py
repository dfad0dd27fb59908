"""cpu_time: per-core lines of /proc/stat."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.cpu_time import cpu_time
from hostql.testing import run_table

STAT = """\
cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0
cpu1 1335 0 100 5000 10 0 5 9
cpu2 1 2
cpu3 7 x 1 1 1 1 1 1 1 1 1
intr 1462898 0 0
ctxt 123
"""


def test_per_core_rows(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/stat").write_text(STAT)
    assert run_table(cpu_time, root=tmp_path) == [
        {"core": 0, "user": 1393280, "nice": 32966, "system": 572056, "idle": 13343292,
         "iowait": 6130, "irq": 0, "softirq": 17875, "steal": 0, "guest": 23933,
         "guest_nice": 0},
        # Old kernels print no steal/guest columns: osquery fills in 0.
        {"core": 1, "user": 1335, "nice": 0, "system": 100, "idle": 5000, "iowait": 10,
         "irq": 0, "softirq": 5, "steal": 9, "guest": 0, "guest_nice": 0},
        # A value that is no number is NULL; the short cpu2 line is skipped.
        {"core": 3, "user": 7, "nice": None, "system": 1, "idle": 1, "iowait": 1, "irq": 1,
         "softirq": 1, "steal": 1, "guest": 1, "guest_nice": 1},
    ]  # fmt: skip


def test_no_proc_stat_no_rows(tmp_path: Path) -> None:
    assert run_table(cpu_time, root=tmp_path) == []


@pytest.mark.live
def test_live_one_row_per_online_cpu() -> None:
    online = sum(1 for line in Path("/proc/stat").read_text().splitlines() if line[:3] == "cpu")
    rows = run_table(cpu_time)
    assert len(rows) == online - 1
    assert all(r["user"] >= 0 and r["idle"] >= 0 for r in rows)
