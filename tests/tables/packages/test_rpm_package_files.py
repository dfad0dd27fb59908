"""rpm_package_files: file lists decoded from real headers, digests, package pushdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hostql.tables.packages.rpm_package_files import rpm_package_files
from hostql.testing import run_table


def dump_rows(root: Path, rpm_query: Callable[..., str], package: str) -> list[dict[str, object]]:
    """rpm -q --dump: path size mtime digest mode owner group ... (digest of MD5 packages too)."""
    rows = []
    for line in rpm_query(root, "-q", "--dump", package).splitlines():
        path, size, _, digest, mode, user, group = line.split(" ")[:7]
        rows.append({"package": package, "path": path, "username": user, "groupname": group,
                     "mode": f"{int(mode, 8) & 0o7777:04o}", "size": int(size),
                     "sha256": digest})  # fmt: skip
    return rows


def test_hello_files(rpm_root: Path) -> None:
    assert run_table(rpm_package_files, "package = 'hello-hostql'", root=rpm_root) == [
        {"package": "hello-hostql", "path": "/usr/share/hello-hostql", "username": "root",
         "groupname": "root", "mode": "0755", "size": 0, "sha256": "0" * 64},
        {"package": "hello-hostql", "path": "/usr/share/hello-hostql/greeting",
         "username": "root", "groupname": "root", "mode": "0640", "size": 6,
         "sha256": "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"},
    ]  # fmt: skip


def test_matches_rpm_dump(rpm_root: Path, rpm_query: Callable[..., str]) -> None:
    for package in ("hello-hostql", "big-hostql"):
        rows = run_table(rpm_package_files, "package = ?", package, root=rpm_root)
        assert rows == dump_rows(rpm_root, rpm_query, package)
    assert len(rows) == 301


def test_md5_digests_leave_sha256_null(rpm_root: Path, rpm_query: Callable[..., str]) -> None:
    rows = run_table(rpm_package_files, "package = 'md5-hostql'", root=rpm_root)
    expected = dump_rows(rpm_root, rpm_query, "md5-hostql")
    assert len(expected[1]["sha256"]) == 32  # rpm shows the MD5 digest
    assert rows == [{**row, "sha256": None} for row in expected]


def test_every_package_and_berkeley_db(rpm_root: Path, rpm_bdb_root: Path) -> None:
    rows = run_table(rpm_package_files, root=rpm_root, columns="package")
    assert len(rows) == 2 + 301 + 2
    assert run_table(rpm_package_files, root=rpm_bdb_root) == run_table(
        rpm_package_files, root=rpm_root
    )


def test_no_rpm_database_means_no_rows(tmp_path: Path) -> None:
    assert run_table(rpm_package_files, root=tmp_path) == []
