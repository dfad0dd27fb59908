"""md_personalities: the Personalities line of /proc/mdstat."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_md_devices import md_root

from hostql.tables.system.md_personalities import md_personalities
from hostql.testing import run_table


def test_personalities(tmp_path: Path) -> None:
    assert run_table(md_personalities, root=md_root(tmp_path)) == [
        {"name": "raid1"},
        {"name": "raid6"},
        {"name": "raid5"},
        {"name": "raid4"},
    ]


def test_without_the_md_driver(tmp_path: Path) -> None:
    assert run_table(md_personalities, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_proc_mdstat() -> None:
    mdstat = Path("/proc/mdstat")
    rows = run_table(md_personalities)
    if not mdstat.exists():
        assert rows == []
        pytest.skip("no md driver on this machine")
    first = mdstat.read_text().splitlines()[0]
    assert [f"[{r['name']}]" for r in rows] == first.split(":", 1)[1].split()
