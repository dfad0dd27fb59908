"""deb_package_files: info/*.list files, Multi-Arch names, package pushdown reads one list."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.host.dpkg import DebPackage, Dpkg
from hostql.tables.packages.deb_package_files import deb_package_files
from hostql.testing import run_table

STATUS = """\
Package: bash
Status: install ok installed
Architecture: amd64
Multi-Arch: foreign
Version: 5.2.15-2+b2

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9

Package: gone
Status: purge ok not-installed
Architecture: amd64

Package: nolist
Status: install ok installed
Architecture: all
Version: 1
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    info = tmp_path / "var" / "lib" / "dpkg" / "info"
    info.mkdir(parents=True)
    (info.parent / "status").write_text(STATUS)
    (info / "bash.list").write_text("/.\n/bin\n/bin/bash\n\n/usr/share/doc/bash\n")
    (info / "libc6:amd64.list").write_text("/.\n/lib/x86_64-linux-gnu/libc.so.6\n")
    (info / "gone.list").write_text("/stale\n")
    return tmp_path


def rows(package: str, *paths: str) -> list[dict[str, str]]:
    return [{"package": package, "path": p, "admindir": "/var/lib/dpkg"} for p in paths]


def test_every_installed_package(root: Path) -> None:
    assert run_table(deb_package_files, root=root) == rows(
        "bash", "/.", "/bin", "/bin/bash", "/usr/share/doc/bash"
    ) + rows("libc6", "/.", "/lib/x86_64-linux-gnu/libc.so.6")


def test_package_pushdown_reads_only_that_list(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    original = Dpkg.list_file

    def spy(self: Dpkg, package: DebPackage, admindir: str) -> str | None:
        read.append(package.name)
        return original(self, package, admindir)

    monkeypatch.setattr(Dpkg, "list_file", spy)
    assert run_table(deb_package_files, "package = ?", "libc6", root=root) == rows(
        "libc6", "/.", "/lib/x86_64-linux-gnu/libc.so.6"
    )
    assert read == ["libc6"]


def test_unreadable_list_is_skipped(root: Path) -> None:
    info = root / "var" / "lib" / "dpkg" / "info"
    (info / "bash.list").unlink()
    (info / "bash.list").mkdir()
    found = run_table(deb_package_files, root=root, columns="package")
    assert {r["package"] for r in found} == {"libc6"}


def test_package_in_list_and_not_installed(root: Path) -> None:
    found = run_table(deb_package_files, "package IN ('gone', 'bash')", root=root, columns="path")
    assert [r["path"] for r in found] == ["/.", "/bin", "/bin/bash", "/usr/share/doc/bash"]


def test_admindir_pushdown(root: Path) -> None:
    assert run_table(deb_package_files, "admindir = '/elsewhere'", root=root) == []


@pytest.mark.live
@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg")
@pytest.mark.parametrize("package", ["dpkg", "libc6", "bash"])
def test_live_matches_dpkg_listfiles(package: str) -> None:
    expected = subprocess.run(
        ["dpkg", "-L", package], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    found = run_table(deb_package_files, "package = ?", package, columns="path")
    assert sorted(r["path"] for r in found) == sorted(p for p in expected if p)
