"""os_version: os-release variants, Red Hat release files, defaults, live os-release check."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.os_version import os_version, parse_os_release, parse_release_file
from hostql.testing import run_table

UBUNTU = """PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
UBUNTU_CODENAME=jammy
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    (root / "proc/sys/kernel").mkdir(parents=True)
    (root / "proc/sys/kernel/arch").write_text("aarch64\n")
    for name, text in files.items():
        path = root / name.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_ubuntu(tmp_path: Path) -> None:
    write_tree(tmp_path, {"/etc/os-release": UBUNTU})
    assert run_table(os_version, root=tmp_path) == [
        {
            "name": "Ubuntu",
            "version": "22.04.3 LTS (Jammy Jellyfish)",
            "major": 22,
            # osquery reads "04" with base detection: octal 4.
            "minor": 4,
            "patch": 0,
            "build": None,
            "platform": "ubuntu",
            "platform_like": "debian",
            "codename": "jammy",
            "arch": "aarch64",
        }
    ]


def test_three_part_version_and_build_id() -> None:
    row = parse_os_release('NAME=Fedora Linux\nVERSION_ID=39.1.5\nBUILD_ID="rawhide"\nID=fedora\n')
    assert row == {
        "name": "Fedora Linux",
        "major": "39",
        "minor": "1",
        "patch": "5",
        "build": "rawhide",
        "platform": "fedora",
    }
    assert parse_os_release("VERSION_ID=\nKEY_ONLY\n=value\n") == {}


def test_octal_looking_minor_becomes_null(tmp_path: Path) -> None:
    write_tree(tmp_path, {"/etc/os-release": 'NAME="X"\nVERSION_ID="23.08"\n'})
    (row,) = run_table(os_version, root=tmp_path, columns="major, minor")
    assert row == {"major": 23, "minor": None}


def test_defaults_without_release_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"/etc/os-release": ""})
    assert run_table(os_version, root=tmp_path) == [
        {
            "name": "Unknown",
            "version": None,
            "major": 0,
            "minor": 0,
            "patch": 0,
            "build": None,
            "platform": "posix",
            "platform_like": None,
            "codename": None,
            "arch": "aarch64",
        }
    ]


def test_redhat_release_overrides(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "/etc/os-release": 'NAME="CentOS Linux"\nID="centos"\nVERSION_ID="7"\n',
            "/etc/redhat-release": "CentOS Linux release 7.9.2009 (Core)\n",
        },
    )
    (row,) = run_table(os_version, root=tmp_path)
    assert row == {
        "name": "CentOS Linux",
        "version": "CentOS Linux release 7.9.2009 (Core)",
        "major": 7,
        "minor": 9,
        "patch": 2009,
        "build": "",
        "platform": "rhel",
        "platform_like": "rhel",
        "codename": None,
        "arch": "aarch64",
    }


def test_release_file_without_patch() -> None:
    assert parse_release_file("Red Hat Enterprise Linux Server release 6.10 (Santiago)") == {
        "version": "Red Hat Enterprise Linux Server release 6.10 (Santiago)",
        "build": "",
        "name": "Red Hat Enterprise Linux Server",
        "major": "6",
        "minor": "10",
        "patch": "0",
    }


@pytest.mark.live
def test_live_matches_os_release() -> None:
    fields = {}
    with open("/etc/os-release") as handle:
        for line in handle:
            key, _, value = line.strip().partition("=")
            fields[key] = value.strip('"')
    (row,) = run_table(os_version)
    assert row["name"] == fields["NAME"]
    assert row["platform"] == fields["ID"]
    if "VERSION_ID" in fields:
        assert row["major"] == int(fields["VERSION_ID"].split(".")[0])
