"""portage_keywords: package.keywords, package.mask and package.unmask entries."""

from __future__ import annotations

from pathlib import Path

from hostql.tables.packages.portage_keywords import portage_keywords
from hostql.testing import run_table


def test_portage_keywords(portage_root: Path) -> None:
    rows = run_table(portage_keywords, root=portage_root)
    assert rows == [
        {"package": "dev-lang/python", "version": "3.12.1", "keyword": "~amd64", "mask": 1,
         "unmask": 0},
        {"package": "dev-lang/python", "version": "3.12.1", "keyword": "~amd64", "mask": 0,
         "unmask": 0},
        {"package": "app-misc/plain", "version": "2.0", "keyword": "", "mask": 0, "unmask": 0},
        {"package": "sys-apps/portage", "version": ">=3.1", "keyword": "", "mask": 1,
         "unmask": 0},
        {"package": "app-misc/plain", "version": "", "keyword": "", "mask": 0, "unmask": 1},
    ]  # fmt: skip


def test_not_gentoo_means_no_rows(tmp_path: Path) -> None:
    assert run_table(portage_keywords, root=tmp_path) == []
