"""The dpkg status reader: libdpkg's view of status stanzas, versions and the updates journal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.dpkg import DebPackage, describe_version, parse_status

STANZA = """Package: {name}
Status: {status}
Priority: optional
Section: libs
Installed-Size: 10
Maintainer: Someone <someone@example.org>
Architecture: amd64
Version: {version}
Description: a package
 with a long description
 Version: 9.9 (not a field: continuation lines start with a space)
"""


def stanza(name: str, version: str = "1.0-1", status: str = "install ok installed") -> str:
    return STANZA.format(name=name, version=version, status=status)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("1.2.3", ("1.2.3", "")),
        ("1.2-3", ("1.2-3", "3")),
        ("2:1.2-3+deb12u1", ("2:1.2-3+deb12u1", "3+deb12u1")),
        ("0:1.2-3", ("1.2-3", "3")),
        ("1.2-rc-4", ("1.2-rc-4", "4")),
        ("", ("<none>", "")),
    ],
)
def test_describe_version(field: str, expected: tuple[str, str]) -> None:
    assert describe_version(field) == expected


def test_canonical_and_field_by_field_parses_agree() -> None:
    text = stanza("a") + "\n" + stanza("b", "2:3-4") + "\n"
    fast = parse_status(text)
    # A field out of dpkg's order sends the whole file through the general parser.
    shuffled = text.replace(
        "Priority: optional\nSection: libs\n", "Section: libs\nPriority: optional\n"
    )
    slow = parse_status(shuffled)
    assert fast == slow
    assert list(fast) == [("a", "amd64"), ("b", "amd64")]
    assert fast["b", "amd64"] == DebPackage(
        "b", "2:3-4", "", 10, "amd64", "4", "install ok installed",
        "Someone <someone@example.org>", "libs", "optional", False,
    )  # fmt: skip


def test_not_installed_is_kept_as_a_tombstone() -> None:
    found = parse_status(stanza("gone", status="purge ok not-installed"))
    assert found == {("gone", "amd64"): None}


def test_stanza_without_status_warns_and_is_skipped() -> None:
    warnings: list[str] = []
    text = "Package: broken\nVersion: 1\n\n" + stanza("fine")
    found = parse_status(text, warnings.append)
    assert list(found) == [("fine", "amd64")]
    assert warnings == ["dpkg status: skipped a stanza without Package/Status (broken)"]


def test_bad_status_words_warn() -> None:
    warnings: list[str] = []
    assert parse_status(stanza("odd", status="install ok sideways"), warnings.append) == {}
    assert warnings == ["dpkg status: skipped odd: bad Status 'install ok sideways'"]


def test_truncated_file_keeps_complete_stanzas() -> None:
    text = stanza("whole") + "\n" + stanza("cut")[:40]
    warnings: list[str] = []
    found = parse_status(text, warnings.append)
    assert list(found) == [("whole", "amd64")]
    assert warnings == ["dpkg status: skipped cut: bad Status 'install ok installe'"]


def test_updates_journal_overrides_and_removes(tmp_path: Path) -> None:
    admin = tmp_path / "var" / "lib" / "dpkg"
    (admin / "updates").mkdir(parents=True)
    (admin / "status").write_text(stanza("a") + "\n" + stanza("b") + "\n" + stanza("c"))
    (admin / "updates" / "0001").write_text(stanza("a", "2.0-1"))
    (admin / "updates" / "0002").write_text(stanza("b", status="purge ok not-installed"))
    (admin / "updates" / "tmp.i").write_text(stanza("c", "9"))  # not a journal entry
    packages = Host(tmp_path).dpkg.packages()
    assert [(p.name, p.version) for p in packages] == [("a", "2.0-1"), ("c", "1.0-1")]


def test_parse_is_reused_until_the_database_changes(tmp_path: Path) -> None:
    admin = tmp_path / "var" / "lib" / "dpkg"
    admin.mkdir(parents=True)
    status = admin / "status"
    status.write_text(stanza("a"))
    reader = Host(tmp_path).dpkg
    first = reader.packages()
    assert reader.packages() is first
    # dpkg writes status-new and renames it over status.
    (admin / "status-new").write_text(stanza("a") + "\n" + stanza("b"))
    os.replace(admin / "status-new", status)
    assert [p.name for p in reader.packages()] == ["a", "b"]
    (admin / "updates").mkdir()
    (admin / "updates" / "0000").write_text(stanza("c"))
    assert [p.name for p in reader.packages()] == ["a", "b", "c"]
