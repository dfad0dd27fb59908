"""augeas: configuration trees of fixture files through libaugeas's real lenses."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.host.augeas import AugeasError
from hostql.tables.system.augeas import augeas
from hostql.testing import engine_for, run_table

LENSES = Path("/usr/share/augeas/lenses/dist")

pytestmark = pytest.mark.skipif(
    not (LENSES / "hosts.aug").exists(), reason="augeas-lenses is not installed"
)

HOSTS = "127.0.0.1 localhost\n# comment\n10.0.0.5 db.example db\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hosts").write_text(HOSTS)
    (tmp_path / "etc/resolv.conf").write_text("nameserver 192.0.2.53\nsearch example\n")
    return tmp_path


def test_path_gives_the_file_and_its_nodes(root: Path) -> None:
    rows = run_table(augeas, "path = ?", "/etc/hosts", root=root)
    assert rows == [
        {"node": "/files/etc/hosts", "value": "", "label": "hosts", "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/1", "value": "", "label": "1", "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/#comment", "value": "comment", "label": "#comment",
         "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/2", "value": "", "label": "2", "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/1/ipaddr", "value": "127.0.0.1", "label": "ipaddr",
         "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/1/canonical", "value": "localhost", "label": "canonical",
         "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/2/ipaddr", "value": "10.0.0.5", "label": "ipaddr",
         "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/2/canonical", "value": "db.example", "label": "canonical",
         "path": "/etc/hosts"},
        {"node": "/files/etc/hosts/2/alias", "value": "db", "label": "alias",
         "path": "/etc/hosts"},
    ]  # fmt: skip


def test_node_constraint(root: Path) -> None:
    rows = run_table(augeas, "node = ?", "/files/etc/resolv.conf/nameserver", root=root)
    assert rows == [
        {
            "node": "/files/etc/resolv.conf/nameserver",
            "value": "192.0.2.53",
            "label": "nameserver",
            "path": "/etc/resolv.conf",
        }
    ]


def test_folder_node_takes_its_path_from_the_node(root: Path) -> None:
    rows = run_table(augeas, "path = ?", "/etc", root=root)
    assert rows == [{"node": "/files/etc", "value": "", "label": "etc", "path": "/etc"}]


def test_every_file_without_constraints(root: Path) -> None:
    rows = run_table(augeas, root=root, columns="DISTINCT path")
    assert {r["path"] for r in rows} == {"/etc", "/etc/hosts", "/etc/resolv.conf"}


def test_several_paths(root: Path) -> None:
    rows = run_table(
        augeas, "path IN (?, ?)", "/etc/hosts", "/etc/resolv.conf", root=root, columns="node"
    )
    assert {"/files/etc/hosts", "/files/etc/resolv.conf/search/domain"} <= {r["node"] for r in rows}


def test_a_file_its_lens_cannot_parse_is_skipped(root: Path) -> None:
    # An address without a name is a parse error for the Hosts lens.
    (root / "etc/hosts").write_text("127.0.0.1\n")
    assert run_table(augeas, "path = ?", "/etc/hosts", root=root) == []
    rows = run_table(augeas, root=root, columns="DISTINCT path")
    assert "/etc/resolv.conf" in {r["path"] for r in rows}


def test_a_bad_expression_warns_and_gives_no_rows(root: Path) -> None:
    engine = engine_for(augeas, root=root)
    try:
        assert engine.query("SELECT * FROM augeas WHERE node = '/files/etc/hosts['") == []
        assert any("augeas" in w for w in engine.take_warnings())
    finally:
        engine.close()


def test_missing_lenses_give_no_rows(root: Path, tmp_path: Path) -> None:
    rows = run_table(
        augeas, "path = ?", "/etc/hosts", root=root, flags={"augeas_lenses": str(tmp_path / "no")}
    )
    assert rows == []


def test_missing_library_warns(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise AugeasError("libaugeas is not installed")

    monkeypatch.setattr("hostql.host.augeas._library", missing)
    engine = engine_for(augeas, root=root)
    try:
        assert engine.query("SELECT * FROM augeas") == []
        assert engine.take_warnings() == [
            "An error has occurred while trying to query augeas: libaugeas is not installed"
        ]
    finally:
        engine.close()


@pytest.mark.live
def test_live_hosts_file_matches_augtool() -> None:
    augtool = shutil.which("augtool")
    if augtool is None:
        pytest.skip("augtool (Debian augeas-tools) is not installed")
    printed = subprocess.run(
        [augtool, "-S", "-I", str(LENSES), "print", "/files/etc/hosts"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = set()
    for line in printed.splitlines():
        node, _, value = line.partition(" = ")
        expected.add((node, value.strip('"')))
    rows = run_table(augeas, "path = ?", "/etc/hosts")
    assert {(r["node"], r["value"]) for r in rows} == expected
