"""load_average: /proc/loadavg as three rows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostql.tables.system.load_average import load_average
from hostql.testing import run_table


def test_three_periods_printed_like_printf(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/loadavg").write_text("0.15 0.10 12.05 1/123 4567\n")
    assert run_table(load_average, root=tmp_path) == [
        {"period": "1m", "average": "0.150000"},
        {"period": "5m", "average": "0.100000"},
        {"period": "15m", "average": "12.050000"},
    ]


def test_damaged_or_missing_file_gives_no_rows(tmp_path: Path) -> None:
    assert run_table(load_average, root=tmp_path) == []
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/loadavg").write_text("garbage\n")
    assert run_table(load_average, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_getloadavg() -> None:
    rows = {r["period"]: float(r["average"]) for r in run_table(load_average)}
    expected = dict(zip(("1m", "5m", "15m"), os.getloadavg(), strict=True))
    assert rows.keys() == expected.keys()
    for period, value in expected.items():
        assert rows[period] == pytest.approx(value, abs=0.5)
