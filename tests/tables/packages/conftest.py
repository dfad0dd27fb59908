"""Real RPM databases built in a temporary root with rpm's own tools (SQLite and BerkeleyDB)."""

from __future__ import annotations

import shutil
import sqlite3
import struct
import subprocess
from pathlib import Path

import pytest

SPEC = """\
Name: {name}
Version: {version}
Release: {release}
{extra}
Summary: hostql test package
License: MIT
BuildArch: noarch
%description
A package built for hostql's tests.
%install
mkdir -p %{{buildroot}}/usr/share/{name}
{install}
%files
%dir /usr/share/{name}
{files}
"""

PACKAGES = {
    "hello-hostql": {
        "version": "1.2.3",
        "release": "4",
        "extra": "Epoch: 2\nVendor: hostql tests\nGroup: Applications/Test",
        "install": "echo hello > %{buildroot}/usr/share/hello-hostql/greeting",
        "files": "%attr(0640,root,root) /usr/share/hello-hostql/greeting",
    },
    # Several hundred files make a header larger than a BerkeleyDB page (overflow chain).
    "big-hostql": {
        "version": "10.0",
        "release": "1.el9",
        "extra": "",
        "install": "for i in $(seq 1 300); do echo $i > "
        "%{buildroot}/usr/share/big-hostql/file-with-a-long-name-$i; done",
        "files": "/usr/share/big-hostql/file-with-a-long-name-*",
    },
}
MD5_PACKAGE = {
    "version": "9.1",
    "release": "1",
    "extra": "",
    "install": "echo md5 > %{buildroot}/usr/share/md5-hostql/data",
    "files": "/usr/share/md5-hostql/data",
}


def _rpm(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="session")
def rpm_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root whose /var/lib/rpm/rpmdb.sqlite holds three packages rpm installed --justdb."""
    if shutil.which("rpmbuild") is None or shutil.which("rpm") is None:
        pytest.skip("needs rpm and rpmbuild (Debian package rpm)")
    work = tmp_path_factory.mktemp("rpmbuild")
    root = work / "root"
    root.mkdir()
    built = []
    packages = {**PACKAGES, "md5-hostql": MD5_PACKAGE}
    for name, fields in packages.items():
        spec = work / f"{name}.spec"
        spec.write_text(SPEC.format(name=name, **fields))
        defines = ["--define", f"_topdir {work / 'top'}"]
        if name == "md5-hostql":
            defines += ["--define", "_binary_filedigest_algorithm 1"]
        subprocess.run(["rpmbuild", *defines, "-bb", str(spec)], capture_output=True, check=True)
        built += sorted((work / "top" / "RPMS" / "noarch").glob(f"{name}-*.rpm"))
    _rpm(root, "--initdb")
    _rpm(root, "-i", "--justdb", "--nodeps", "--ignorearch", *map(str, built))
    return root


@pytest.fixture(scope="session")
def rpm_bdb_root(rpm_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same headers in a BerkeleyDB hash Packages file, as RHEL 7/8 keep them."""
    if shutil.which("db5.3_load") is None:
        pytest.skip("needs db5.3_load (Debian package db5.3-util)")
    database = rpm_root / "var" / "lib" / "rpm" / "rpmdb.sqlite"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("select hnum, blob from Packages").fetchall()
    dump = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=4096", "HEADER=END"]
    # Record 0 is rpm's next-instance counter.
    dump += [" " + struct.pack("<I", 0).hex(), " " + struct.pack("<I", len(rows) + 1).hex()]
    for number, blob in rows:
        dump += [" " + struct.pack("<I", number).hex(), " " + bytes(blob).hex()]
    dump.append("DATA=END")
    root = tmp_path_factory.mktemp("bdb")
    directory = root / "var" / "lib" / "rpm"
    directory.mkdir(parents=True)
    text = root / "dump.txt"
    text.write_text("\n".join(dump) + "\n")
    subprocess.run(
        ["db5.3_load", "-f", str(text), str(directory / "Packages")],
        check=True,
        capture_output=True,
    )
    return root


@pytest.fixture(scope="session")
def rpm_query():
    """rpm -q against a root, as a cross-check of what hostql reads."""
    return _rpm


PORTAGE_PACKAGES = {
    "dev-lang/python-3.11.8-r2": {"SLOT": "3.11\n", "BUILD_TIME": "1712345678\n",
                                  "repository": "gentoo\n", "EAPI": "8\n", "SIZE": "104857600\n",
                                  "USE": "ssl  sqlite readline\n"},
    "sys-apps/portage-3.0.63": {"SLOT": "0\n", "BUILD_TIME": "1712000000\n",
                                "repository": "gentoo\n", "EAPI": "8\n", "SIZE": "1024\n",
                                "USE": "\n"},
    "app-misc/odd-1.0": {"SIZE": "lots\n"},
}  # fmt: skip


@pytest.fixture
def portage_root(tmp_path: Path) -> Path:
    """A Gentoo tree: /var/db/pkg entries, the world file and /etc/portage lists."""
    db = tmp_path / "var" / "db" / "pkg"
    for name, files in PORTAGE_PACKAGES.items():
        (db / name).mkdir(parents=True)
        for file, content in files.items():
            (db / name / file).write_text(content)
    (db / "app-misc" / "not-a-dir-1.0").write_text("")
    world = tmp_path / "var" / "lib" / "portage" / "world"
    world.parent.mkdir(parents=True)
    world.write_text("dev-lang/python:3.11\napp-misc/odd\n")
    etc = tmp_path / "etc" / "portage"
    (etc / "package.keywords").mkdir(parents=True)
    (etc / "package.keywords" / "10-python").write_text(
        "# keywords\n=dev-lang/python-3.12.1 ~amd64 ~arm64\ndev-lang/python-3.12.1 ~amd64\n"
        "app-misc/new # comment\n=app-misc/plain-2.0\n"
    )
    (etc / "package.mask").write_text(">=sys-apps/portage-3.1\n=dev-lang/python-3.12.1\n")
    (etc / "package.unmask").write_text("app-misc/plain\n")
    return tmp_path
