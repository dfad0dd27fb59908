"""rpm_packages: headers of real rpm-built databases (SQLite and BerkeleyDB), name pushdown."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from hostql.tables.packages.rpm_packages import rpm_packages
from hostql.testing import engine_for, run_table

QUERY_FORMAT = (
    "%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{SOURCERPM}\\t%{SIZE}\\t%{SHA1HEADER}\\t%{ARCH}\\t"
    "%{EPOCH}\\t%{INSTALLTIME}\\t%{VENDOR}\\t%{GROUP}\\n"
)
COLUMNS = ("name", "version", "release", "source", "size", "sha1", "arch", "epoch",
           "install_time", "vendor", "package_group")  # fmt: skip


def rpm_rows(root: Path, rpm_query: Callable[..., str]) -> list[dict[str, object]]:
    """What rpm -qa reports, in the table's terms ('(none)' is an absent tag)."""
    rows = []
    for line in sorted(rpm_query(root, "-qa", "--qf", QUERY_FORMAT).splitlines()):
        row: dict[str, object] = {}
        for column, value in zip(COLUMNS, line.split("\t"), strict=True):
            if column in ("size", "epoch", "install_time"):
                row[column] = None if value == "(none)" else int(value)
            else:
                row[column] = "" if value == "(none)" else value
        rows.append(row)
    return rows


def test_rows_match_rpm(rpm_root: Path, rpm_query: Callable[..., str]) -> None:
    rows = run_table(rpm_packages, root=rpm_root)
    assert [r["name"] for r in rows] == ["big-hostql", "hello-hostql", "md5-hostql"]
    assert rows == rpm_rows(rpm_root, rpm_query)
    hello = rows[1]
    assert (hello["epoch"], hello["vendor"], hello["package_group"], hello["arch"]) == (
        2, "hostql tests", "Applications/Test", "noarch",
    )  # fmt: skip
    assert rows[0]["epoch"] is None and rows[0]["vendor"] == ""


def test_berkeley_db_reads_the_same(rpm_root: Path, rpm_bdb_root: Path) -> None:
    assert run_table(rpm_packages, root=rpm_bdb_root) == run_table(rpm_packages, root=rpm_root)


def test_name_pushdown_takes_every_value(rpm_root: Path) -> None:
    rows = run_table(rpm_packages, "name IN ('md5-hostql', 'hello-hostql', 'nope')", root=rpm_root)
    assert [r["name"] for r in rows] == ["hello-hostql", "md5-hostql"]
    assert run_table(rpm_packages, "name = 'nope'", root=rpm_root) == []


def test_order_by_version_uses_rhel_ordering(rpm_root: Path) -> None:
    rows = run_table(rpm_packages, "1 order by version", root=rpm_root, columns="version")
    # Bytewise order would put 10.0 before 9.1.
    assert [r["version"] for r in rows] == ["1.2.3", "9.1", "10.0"]


def test_corrupt_header_is_skipped_with_a_warning(rpm_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(rpm_root, root)
    database = root / "var" / "lib" / "rpm" / "rpmdb.sqlite"
    with sqlite3.connect(database) as connection:
        (number,) = connection.execute("select hnum from Name where key = 'big-hostql'").fetchone()
        connection.execute(
            "update Packages set blob = ? where hnum = ?",
            (b"\x00\x00\x01\x00\x00\x00\x00\x09garbage", number),
        )
    engine = engine_for(rpm_packages, root=root)
    names = [r[0] for r in engine.execute("select name from rpm_packages").rows]
    assert names == ["hello-hostql", "md5-hostql"]
    assert engine.env.warnings == [
        f"rpm database: skipped header {number}: header sizes out of range (il=256, dl=9, 15 bytes)"
    ]
    engine.close()


def test_no_rpm_database_means_no_rows(tmp_path: Path) -> None:
    assert run_table(rpm_packages, root=tmp_path) == []
