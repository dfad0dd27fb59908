"""Portage atoms split as osquery splits them, and /etc/portage lists as files or directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.portage import split_atom


@pytest.mark.parametrize(
    ("atom", "expected"),
    [
        ("=dev-lang/python-3.11.8-r2", ("dev-lang/python", "3.11.8-r2")),
        (">=sys-apps/portage-3.0.30", ("sys-apps/portage", ">=3.0.30")),
        ("<=app-misc/foo-1.0", ("app-misc/foo", "<=1.0")),
        ("sys-libs/glibc-2.38-r10/", ("sys-libs/glibc", "2.38-r10")),
        ("app-misc/foo-bar-2", ("app-misc/foo-bar", "2")),
        ("app-misc/foo-bar", ("app-misc/foo-bar", "")),
        ("app-misc/foo-r1", ("app-misc/foo-r1", "")),
        ("~app-misc/foo-1.0", ("~app-misc/foo", "1.0")),
        ("pkg-1.0", ("pkg-1.0", "")),
    ],
)
def test_split_atom(atom: str, expected: tuple[str, str]) -> None:
    assert split_atom(atom) == expected


def test_config_directory_is_read_recursively_in_order(tmp_path: Path) -> None:
    directory = tmp_path / "etc" / "portage" / "package.mask"
    (directory / "sub").mkdir(parents=True)
    (directory / "b").write_text("b/b\n")
    (directory / "a").write_text("a/a\n")
    (directory / "sub" / "c").write_text("c/c\n")
    (directory / ".hidden").write_text("h/h\n")
    (directory / "a~").write_text("backup/backup\n")
    assert Host(tmp_path).portage.config("package.mask").split() == ["a/a", "b/b", "c/c"]
    assert Host(tmp_path).portage.config("package.unmask") == ""


def test_world_drops_slots(tmp_path: Path) -> None:
    world = tmp_path / "var" / "lib" / "portage" / "world"
    world.parent.mkdir(parents=True)
    world.write_text("dev-lang/python:3.11\n# a comment\n\nsys-apps/portage\n")
    assert Host(tmp_path).portage.world() == {"dev-lang/python", "sys-apps/portage"}
    assert Host(tmp_path / "none").portage.world() is None
