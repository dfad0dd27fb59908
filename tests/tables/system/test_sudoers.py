"""sudoers: rules with includes; live check that the table reads /etc/sudoers."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.sudoers import sudoers
from hostql.testing import run_table


@pytest.fixture
def root(tmp_path: Path) -> Path:
    etc = tmp_path / "etc"
    (etc / "sudoers.d").mkdir(parents=True)
    (etc / "sudoers").write_text(
        'Defaults\tsecure_path="/usr/sbin:/usr/bin"\n# User privilege specification\n'
        "root\tALL=(ALL:ALL) ALL\n@includedir sudoers.d\n"
    )
    (etc / "sudoers.d" / "ops").write_text("%ops ALL=(ALL) NOPASSWD: /usr/bin/systemctl\n")
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(sudoers, root=root) == [
        {"source": "/etc/sudoers", "header": "Defaults",
         "rule_details": 'secure_path="/usr/sbin:/usr/bin"'},
        {"source": "/etc/sudoers", "header": "root", "rule_details": "ALL=(ALL:ALL) ALL"},
        {"source": "/etc/sudoers", "header": "@includedir", "rule_details": "sudoers.d"},
        {"source": "/etc/sudoers.d/ops", "header": "%ops",
         "rule_details": "ALL=(ALL) NOPASSWD: /usr/bin/systemctl"},
    ]  # fmt: skip


def test_where_on_header(root: Path) -> None:
    rows = run_table(sudoers, "header = 'root'", root=root, columns="rule_details")
    assert rows == [{"rule_details": "ALL=(ALL:ALL) ALL"}]


def test_no_sudoers(tmp_path: Path) -> None:
    assert run_table(sudoers, root=tmp_path) == []


@pytest.mark.live
def test_live_reads_etc_sudoers() -> None:
    path = Path("/etc/sudoers")
    rows = run_table(sudoers)
    if not path.exists():
        assert rows == []
        return
    headers = []
    for line in path.read_text().splitlines():
        words = line.split()
        if not words or (words[0].startswith("#") and words[0] not in ("#include", "#includedir")):
            continue
        if words[0] in ("#include", "#includedir", "@include", "@includedir") and len(words) < 2:
            continue
        headers.append(words[0])
    assert [r["header"] for r in rows if r["source"] == "/etc/sudoers"] == headers
