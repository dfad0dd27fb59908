"""deb_packages: status stanzas as libdpkg reports them, admindir pushdown, VERSION_DPKG order."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.packages.deb_packages import deb_packages
from hostql.testing import engine_for, run_table

STATUS = """\
Package: adduser
Status: install ok installed
Priority: important
Section: admin
Installed-Size: 686
Maintainer: Debian Adduser Developers <adduser@packages.debian.org>
Architecture: all
Multi-Arch: foreign
Version: 3.134
Depends: passwd
Description: add and remove users and groups
 This package includes the 'adduser' and 'deluser' commands.

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 13001
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12345
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: oldconf
Status: deinstall ok config-files
Priority: extra
Section: misc
Installed-Size: 12
Maintainer: Nobody <nobody@example.org>
Architecture: amd64
Version: 1:0.9-2
Conffiles:
 /etc/oldconf.conf 0123456789abcdef0123456789abcdef
Description: removed, configuration kept

Package: purged
Status: purge ok not-installed
Priority: optional
Section: misc
Architecture: amd64

Package: zeroepoch
Status: hold reinstreq half-installed
Section: utils
Maintainer: Ünïcode Maintainer <u@example.org>
Architecture: amd64
Source: zero-src (0.1-1)
Version: 0:1.0~rc1
Description: no priority, zero epoch
"""

ROWS = [
    {"name": "adduser", "version": "3.134", "source": "", "size": 686, "arch": "all",
     "revision": "", "status": "install ok installed",
     "maintainer": "Debian Adduser Developers <adduser@packages.debian.org>",
     "section": "admin", "priority": "important", "admindir": "/var/lib/dpkg"},
    {"name": "libc6", "version": "2.36-9+deb12u4", "source": "glibc", "size": 13001,
     "arch": "amd64", "revision": "9+deb12u4", "status": "install ok installed",
     "maintainer": "GNU Libc Maintainers <debian-glibc@lists.debian.org>", "section": "libs",
     "priority": "optional", "admindir": "/var/lib/dpkg"},
    {"name": "libc6", "version": "2.36-9+deb12u4", "source": "glibc", "size": 12345,
     "arch": "i386", "revision": "9+deb12u4", "status": "install ok installed",
     "maintainer": "GNU Libc Maintainers <debian-glibc@lists.debian.org>", "section": "libs",
     "priority": "optional", "admindir": "/var/lib/dpkg"},
    {"name": "oldconf", "version": "1:0.9-2", "source": "", "size": 12, "arch": "amd64",
     "revision": "2", "status": "deinstall ok config-files",
     "maintainer": "Nobody <nobody@example.org>", "section": "misc", "priority": "extra",
     "admindir": "/var/lib/dpkg"},
    {"name": "zeroepoch", "version": "1.0~rc1", "source": "zero-src (0.1-1)", "size": None,
     "arch": "amd64", "revision": "", "status": "hold reinstreq half-installed",
     "maintainer": "Ünïcode Maintainer <u@example.org>", "section": "utils",
     "priority": "unknown", "admindir": "/var/lib/dpkg"},
]  # fmt: skip


@pytest.fixture
def root(tmp_path: Path) -> Path:
    admin = tmp_path / "var" / "lib" / "dpkg"
    admin.mkdir(parents=True)
    (admin / "status").write_text(STATUS, encoding="utf-8")
    other = tmp_path / "srv" / "chroot" / "dpkg"
    other.mkdir(parents=True)
    (other / "status").write_text(STATUS.split("\n\n")[0] + "\n")
    return tmp_path


def test_rows_match_libdpkg(root: Path) -> None:
    assert run_table(deb_packages, root=root) == ROWS


def test_admindir_pushdown_reads_that_database(root: Path) -> None:
    rows = run_table(deb_packages, "admindir = ?", "/srv/chroot/dpkg", root=root)
    assert rows == [{**ROWS[0], "admindir": "/srv/chroot/dpkg"}]


def test_admindir_without_status_warns(root: Path) -> None:
    engine = engine_for(deb_packages, root=root)
    result = engine.execute("select name from deb_packages where admindir = '/nowhere'")
    assert result.rows == []
    assert any("not a dpkg admindir: /nowhere" in w for w in engine.env.warnings)
    engine.close()


def test_no_dpkg_database_means_no_rows(tmp_path: Path) -> None:
    assert run_table(deb_packages, root=tmp_path) == []


def test_order_by_version_uses_dpkg_ordering(tmp_path: Path) -> None:
    admin = tmp_path / "var" / "lib" / "dpkg"
    admin.mkdir(parents=True)
    stanzas = [
        f"Package: p{i}\nStatus: install ok installed\nArchitecture: all\nVersion: {v}\n"
        for i, v in enumerate(["1:0.5", "1.0-1", "1.0", "1.0~rc1"])
    ]
    (admin / "status").write_text("\n".join(stanzas))
    rows = run_table(deb_packages, root=tmp_path, columns="version", where="1 order by version")
    # osquery's VERSION_DPKG ranks the delimiters ~ < - < . < :; bytewise order would put
    # 1.0-1 before 1.0~rc1.
    assert [r["version"] for r in rows] == ["1.0", "1.0~rc1", "1.0-1", "1:0.5"]


def test_truncated_status_keeps_the_complete_stanzas(root: Path) -> None:
    status = root / "var" / "lib" / "dpkg" / "status"
    text = status.read_text(encoding="utf-8")
    status.write_text(text[: text.index("Package: oldconf") + 40], encoding="utf-8")
    engine = engine_for(deb_packages, root=root)
    names = [r[0] for r in engine.execute("select name from deb_packages").rows]
    assert names == ["adduser", "libc6", "libc6"]
    assert engine.env.warnings == ["dpkg status: skipped oldconf: bad Status 'deinstall ok co'"]
    engine.close()


@pytest.mark.live
@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg-query")
def test_live_matches_dpkg_query() -> None:
    fields = "${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\t${Status}\t"
    fields += "${Installed-Size}\t${Priority}\t${Section}\t${Maintainer}\t${source:Package}\n"
    out = subprocess.run(
        ["dpkg-query", "-W", f"-f={fields}"], capture_output=True, text=True, check=True
    ).stdout
    expected = set()
    for line in out.splitlines():
        name, version, arch, abbrev, status, size, priority, section, maint, source = line.split(
            "\t"
        )
        if abbrev.startswith("un"):
            continue  # not-installed packages dpkg-query still knows of
        expected.add((name, version, arch, status, size, priority, section, maint, source))
    rows = run_table(deb_packages)
    for row in rows:
        row["size"] = "" if row["size"] is None else str(row["size"])
    got = {
        (r["name"], r["version"], r["arch"], r["status"], r["size"], r["priority"],
         r["section"], r["maintainer"], r["source"].split(" ")[0] or r["name"])
        for r in rows
    }  # fmt: skip
    assert got == expected
