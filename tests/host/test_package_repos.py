"""Repository configuration parsing: apt one-line and deb822 entries, list names, yum ini."""

from __future__ import annotations

import configparser

import pytest

from hostql.host.package_repos import (
    AptSource,
    apt_file_name,
    deb822_stanzas,
    parse_deb822,
    parse_one_line,
    parse_release,
    parse_yum,
)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://deb.debian.org/debian/dists/bookworm", "deb.debian.org_debian_dists_bookworm"),
        ("https://user:secret@repo.example:8443/a~b/c_d", "repo.example:8443_a%7eb_c%5fd"),
        ("http://[::1]/x y", "%5b::1%5d_x%20y"),
    ],
)
def test_apt_file_name_quotes_as_apt(uri: str, expected: str) -> None:
    assert apt_file_name(uri) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "deb http://deb.debian.org/debian/ bookworm main",
            AptSource(
                "deb.debian.org/debian bookworm",
                "http://deb.debian.org/debian",
                "deb.debian.org_debian_dists_bookworm",
            ),
        ),
        (
            "deb [arch=amd64 signed-by=/k.gpg] https://x.example/apt stable main # pinned",
            AptSource(
                "x.example/apt stable", "https://x.example/apt", "x.example_apt_dists_stable"
            ),
        ),
        (
            "deb [ arch=amd64 ]\thttps://x.example/apt\tstable/updates main",
            AptSource(
                "x.example/apt stable/updates",
                "https://x.example/apt",
                "x.example_apt_stable_updates",
            ),
        ),
        (
            "deb http://flat.example/repo ./",
            AptSource("flat.example/repo ./", "http://flat.example/repo", "flat.example_repo"),
        ),
        ("deb-src http://deb.debian.org/debian bookworm main", None),
        ("# deb http://deb.debian.org/debian bookworm main", None),
        ("deb cdrom:[Debian 12]/ bookworm main", None),
        ("deb http://only-a-uri.example/", None),
        ("", None),
    ],
)
def test_one_line_entries(line: str, expected: AptSource | None) -> None:
    assert parse_one_line(line) == expected


DEB822 = """\
# Debian 12 default
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
 bookworm-updates
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 Version: not a field
 .
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: https://a.example/ https://b.example
Suites: stable
Enabled: no

Types: deb-src
URIs: http://src.example
Suites: sid

Types: deb
Suites: stable
Enabled: yes
"""


def test_deb822_stanzas_join_continuation_lines() -> None:
    stanzas = list(deb822_stanzas(DEB822))
    assert len(stanzas) == 4
    assert stanzas[0]["suites"] == "bookworm bookworm-updates"
    assert "version" not in stanzas[0]
    assert [parse_deb822(s) for s in stanzas] == [
        [
            AptSource(
                "deb.debian.org/debian bookworm",
                "http://deb.debian.org/debian",
                "deb.debian.org_debian_dists_bookworm",
            ),
            AptSource(
                "deb.debian.org/debian bookworm-updates",
                "http://deb.debian.org/debian",
                "deb.debian.org_debian_dists_bookworm-updates",
            ),
        ],
        [],
        "not a deb type",
        "missing URIs or Suites",
    ]


def test_deb822_enabled_words() -> None:
    base = {"types": "deb", "uris": "http://x.example", "suites": "s"}
    assert len(parse_deb822({**base, "enabled": "True"})) == 1
    assert parse_deb822({**base, "enabled": "off"}) == []
    assert parse_deb822({**base, "enabled": "maybe"}) == "Enabled: 'maybe' is not a boolean"


def test_release_fields_stop_at_the_signature() -> None:
    text = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nLabel: Debian\n"
        "Suite: stable\nVersion: 12.8\nCodename: bookworm\nDate: Sat, 09 Nov 2024 10:05:01 UTC\n"
        "Architectures: all amd64\nComponents: main contrib\nMD5Sum:\n 0123 45 main/Release\n"
        "-----BEGIN PGP SIGNATURE-----\n\nCodename: forged\n"
    )
    assert parse_release(text) == {
        "maintainer": "Debian",
        "version": "12.8",
        "release": "bookworm",
        "architectures": "all amd64",
        "components": "main contrib",
    }


def test_yum_ini() -> None:
    text = (
        "[main]\ncachedir=/var/cache/yum\nreposdir=/etc/yum.repos.d,/opt/repos\n\n"
        "# comment\n[base]\nname=CentOS-$releasever - Base\n"
        "baseurl=http://mirror.example/$releasever/os/\n        http://backup.example/os/\n"
        "gpgcheck=1\ngpgcheck=0\n; another comment\nenabled = 1\nGPGKEY=file:///k\n"
    )
    sections, reposdir = parse_yum(text)
    assert reposdir == "/etc/yum.repos.d,/opt/repos"
    assert sections == [
        (
            "base",
            {
                "name": "CentOS-$releasever - Base",
                "baseurl": "http://mirror.example/$releasever/os/ http://backup.example/os/",
                "gpgcheck": "0",
                "enabled": "1",
                "GPGKEY": "file:///k",
            },
        )
    ]


def test_yum_ini_without_section_fails() -> None:
    with pytest.raises(configparser.Error):
        parse_yum("baseurl=http://x\n")
