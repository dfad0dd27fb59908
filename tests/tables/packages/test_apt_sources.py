"""apt_sources: one-line and deb822 sources joined to apt's downloaded Release files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.tables.packages.apt_sources import apt_sources
from hostql.testing import engine_for, run_table

IN_RELEASE = """\
-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Origin: Debian
Label: Debian
Suite: oldstable
Version: 12.8
Codename: bookworm
Date: Sat, 09 Nov 2024 10:05:01 UTC
Architectures: all amd64 arm64
Components: main contrib non-free-firmware non-free
Description: Debian 12.8 Released 09 November 2024
MD5Sum:
 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEE
-----END PGP SIGNATURE-----
"""

RELEASE = "Origin: Example Corp\nCodename: stable\nComponents: main\n"

SOURCES_LIST = """\
# deb cdrom:[Debian GNU/Linux 12.0.0]/ bookworm main
deb http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg]\thttps://user:pw@apt.example.com:8443/repo_1/ stable main
deb http://never-downloaded.example/debian sid main
"""  # noqa: E501

DEBIAN_SOURCES = """\
Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Enabled: yes

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: disabled-suite
Enabled: no

Types: deb
Components: main
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    apt = tmp_path / "etc" / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    (apt / "sources.list").write_text(SOURCES_LIST)
    (apt / "sources.list.d" / "debian.sources").write_text(DEBIAN_SOURCES)
    (apt / "sources.list.d" / "old.list.save").write_text(SOURCES_LIST)  # not a .list file
    lists = tmp_path / "var" / "lib" / "apt" / "lists"
    lists.mkdir(parents=True)
    (lists / "deb.debian.org_debian_dists_bookworm_InRelease").write_text(IN_RELEASE)
    (lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").write_text("")
    (lists / "apt.example.com:8443_repo%5f1_dists_stable_Release").write_text(RELEASE)
    security = IN_RELEASE.replace("bookworm", "bookworm-security").replace("12.8", "12")
    (lists / "deb.debian.org_debian-security_dists_bookworm-security_InRelease").write_text(
        security
    )
    (lists / "deb.debian.org_debian-security_dists_disabled-suite_InRelease").write_text(IN_RELEASE)
    return tmp_path


DEBIAN = {"maintainer": "Debian", "components": "main contrib non-free-firmware non-free",
          "architectures": "all amd64 arm64"}  # fmt: skip


def test_rows(root: Path) -> None:
    assert run_table(apt_sources, root=root) == [
        {"name": "deb.debian.org/debian bookworm", "source": "/etc/apt/sources.list",
         "base_uri": "http://deb.debian.org/debian", "release": "bookworm", "version": "12.8",
         **DEBIAN},
        {"name": "user:pw@apt.example.com:8443/repo_1 stable", "source": "/etc/apt/sources.list",
         "base_uri": "https://user:pw@apt.example.com:8443/repo_1", "release": "stable",
         "version": None, "maintainer": "Example Corp", "components": "main",
         "architectures": None},
        {"name": "deb.debian.org/debian-security bookworm-security",
         "source": "/etc/apt/sources.list.d/debian.sources",
         "base_uri": "http://deb.debian.org/debian-security", "release": "bookworm-security",
         "version": "12", **DEBIAN},
    ]  # fmt: skip


def test_malformed_deb822_stanza_warns(root: Path) -> None:
    engine = engine_for(apt_sources, root=root)
    assert len(engine.execute("select name from apt_sources").rows) == 3
    assert engine.env.warnings == [
        "apt_sources: skipped a stanza of /etc/apt/sources.list.d/debian.sources: "
        "missing URIs or Suites"
    ]
    engine.close()


def test_no_apt_means_no_rows(tmp_path: Path) -> None:
    assert run_table(apt_sources, root=tmp_path) == []


@pytest.mark.live
@pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs apt-get")
def test_live_matches_apt_indextargets() -> None:
    out = subprocess.run(
        ["apt-get", "indextargets", "--format", "$(REPO_URI)\t$(RELEASE)\t$(FILENAME)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = {}
    for line in out.splitlines():
        uri, release, filename = line.split("\t")
        expected[uri.rstrip("/"), release] = Path(filename).name
    rows = run_table(apt_sources)
    got = {(r["base_uri"], r["name"].rsplit(" ", 1)[1]) for r in rows}
    assert got == set(expected)
    entries = {
        (e.base_uri, e.name.rsplit(" ", 1)[1]): e
        for _, e in Host().package_repos.apt_sources(print)
    }
    for key, filename in expected.items():
        assert filename.startswith(entries[key].cache_prefix + "_")
