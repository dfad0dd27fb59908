"""portage_use: the USE file of each installed Portage package."""

from __future__ import annotations

from pathlib import Path

from hostql.tables.packages.portage_use import portage_use
from hostql.testing import run_table


def test_portage_use(portage_root: Path) -> None:
    assert run_table(portage_use, root=portage_root) == [
        {"package": "dev-lang/python", "version": "3.11.8-r2", "use": "ssl"},
        {"package": "dev-lang/python", "version": "3.11.8-r2", "use": "sqlite"},
        {"package": "dev-lang/python", "version": "3.11.8-r2", "use": "readline"},
    ]


def test_not_gentoo_means_no_rows(tmp_path: Path) -> None:
    assert run_table(portage_use, root=tmp_path) == []
