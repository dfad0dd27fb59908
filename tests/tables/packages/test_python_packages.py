"""python_packages: site directories, per-user sites, directory/uid pushdown, pip cross-check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from hostql.tables.packages.python_packages import python_packages
from hostql.testing import engine_for, run_table

ME = os.getuid()
REQUESTS = """\
Metadata-Version: 2.1
Name: requests
Version: 2.31.0
Summary: Python HTTP for Humans: simple
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
License: Apache 2.0
 with a continuation line
Classifier: License :: OSI Approved

Name: not-a-header
"""


def dist(site: Path, entry: str, text: str | None, *, single_file: bool = False) -> None:
    if single_file:
        site.mkdir(parents=True, exist_ok=True)
        (site / entry).write_text(text or "")
        return
    (site / entry).mkdir(parents=True)
    if text is not None:
        name = "METADATA" if entry.endswith(".dist-info") else "PKG-INFO"
        (site / entry / name).write_text(text)


def meta(name: str, version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\nbob:x:5001:5001::/home/bob:/bin/sh\n"
    )
    system = tmp_path / "usr" / "lib" / "python3" / "dist-packages"
    dist(system, "requests-2.31.0.dist-info", REQUESTS)
    dist(system, "PyYAML-6.0.egg-info", meta("PyYAML", "6.0") + "Author: Kirill Simonov\n")
    dist(system, "command_not_found-0.3.egg-info", meta("command-not-found", "0.3"),
         single_file=True)  # fmt: skip
    dist(system, "broken-1.0.dist-info", None)
    dist(system / "setuptools" / "_vendor", "packaging-24.0.dist-info", meta("packaging", "24"))
    (system / "six.py").write_text("")
    local = tmp_path / "usr" / "local" / "lib" / "python3.11" / "dist-packages"
    dist(local, "local_tool-1.0.dist-info", meta("local-tool", "1.0"))
    mine = tmp_path / "home" / "me" / ".local" / "lib" / "python3.11" / "site-packages"
    dist(mine, "userpkg-0.1.dist-info", meta("userpkg", "0.1"))
    versions = tmp_path / "home" / "bob" / ".pyenv" / "versions"
    dist(versions / "3.12.1" / "lib" / "python3.12" / "site-packages", "pyenvpkg-1.dist-info",
         meta("pyenvpkg", "1"))  # fmt: skip
    (versions / "3.12").symlink_to("3.12.1")
    return tmp_path


SYSTEM = "/usr/lib/python3/dist-packages/"
LOCAL = "/usr/local/lib/python3.11/dist-packages/"
SYSTEM_ROWS = [
    {"name": "PyYAML", "uid": 0, "version": "6.0", "summary": None, "author": "Kirill Simonov",
     "license": None, "path": SYSTEM + "PyYAML-6.0.egg-info", "directory": SYSTEM},
    {"name": "command-not-found", "uid": 0, "version": "0.3", "summary": None, "author": None,
     "license": None, "path": SYSTEM + "command_not_found-0.3.egg-info", "directory": SYSTEM},
    {"name": "requests", "uid": 0, "version": "2.31.0",
     "summary": "Python HTTP for Humans: simple", "author": "Kenneth Reitz",
     "license": "Apache 2.0", "path": SYSTEM + "requests-2.31.0.dist-info", "directory": SYSTEM},
    {"name": "local-tool", "uid": 0, "version": "1.0", "summary": None, "author": None,
     "license": None, "path": LOCAL + "local_tool-1.0.dist-info", "directory": LOCAL},
]  # fmt: skip
MINE = "/home/me/.local/lib/python3.11/site-packages/"
BOBS = "/home/bob/.pyenv/versions/3.12.1/lib/python3.12/site-packages/"


def test_system_sites_and_the_current_user(root: Path) -> None:
    assert run_table(python_packages, root=root) == [
        *SYSTEM_ROWS,
        {"name": "userpkg", "uid": ME, "version": "0.1", "summary": None, "author": None,
         "license": None, "path": MINE + "userpkg-0.1.dist-info", "directory": MINE},
    ]  # fmt: skip


def test_uid_pushdown_skips_system_sites(root: Path) -> None:
    rows = run_table(python_packages, "uid = 5001", root=root, columns="name, uid, directory")
    assert rows == [{"name": "pyenvpkg", "uid": 5001, "directory": BOBS}]
    rows = run_table(python_packages, "uid IN (0, 5001)", root=root, columns="name")
    mine = ["userpkg"] if ME == 0 else []  # uid 0 is also "me" when the tests run as root
    assert [r["name"] for r in rows] == [r["name"] for r in SYSTEM_ROWS] + mine + ["pyenvpkg"]


def test_directory_pushdown_scans_only_that_directory(root: Path) -> None:
    rows = run_table(python_packages, "directory = '/usr/lib/python3/dist-packages'", root=root)
    assert [(r["name"], r["directory"], r["path"]) for r in rows] == [
        (r["name"], SYSTEM[:-1], r["path"]) for r in SYSTEM_ROWS[:3]
    ]


def test_missing_metadata_warns(root: Path) -> None:
    engine = engine_for(python_packages, root=root)
    engine.execute("select name from python_packages where directory = ?", (SYSTEM,))
    assert engine.env.warnings == [
        f"python_packages: no readable metadata in {SYSTEM}broken-1.0.dist-info"
    ]
    engine.close()


@pytest.mark.live
def test_live_venv_site_matches_pip_list() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = {(d["name"], d["version"]) for d in json.loads(listed)}
    site = sysconfig.get_paths()["purelib"]
    rows = run_table(python_packages, "directory = ?", site, columns="name, version")
    assert {(r["name"], r["version"]) for r in rows} == expected
