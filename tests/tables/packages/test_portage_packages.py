"""portage_packages: /var/db/pkg entries, their SLOT/BUILD_TIME/... files and world."""

from __future__ import annotations

from pathlib import Path

from hostql.tables.packages.portage_packages import portage_packages
from hostql.testing import run_table


def test_portage_packages(portage_root: Path) -> None:
    assert run_table(portage_packages, root=portage_root) == [
        {"package": "app-misc/odd", "version": "1.0", "slot": None, "build_time": None,
         "repository": None, "eapi": None, "size": None, "world": 1},
        {"package": "dev-lang/python", "version": "3.11.8-r2", "slot": "3.11",
         "build_time": 1712345678, "repository": "gentoo", "eapi": 8, "size": 104857600,
         "world": 1},
        {"package": "sys-apps/portage", "version": "3.0.63", "slot": "0",
         "build_time": 1712000000, "repository": "gentoo", "eapi": 8, "size": 1024, "world": 0},
    ]  # fmt: skip


def test_portage_packages_without_world_file(portage_root: Path) -> None:
    (portage_root / "var" / "lib" / "portage" / "world").unlink()
    rows = run_table(portage_packages, root=portage_root, columns="package, world")
    assert [(r["package"], r["world"]) for r in rows] == [
        ("app-misc/odd", 0), ("dev-lang/python", 0), ("sys-apps/portage", 0),
    ]  # fmt: skip


def test_not_gentoo_means_no_rows(tmp_path: Path) -> None:
    assert run_table(portage_packages, root=tmp_path) == []
