"""yara_process: scans of a live child process's memory."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostql.tables.yara.yara_process import yara_process
from hostql.testing import run_table

pytest.importorskip("yara")

# Built at run time so the marker exists only in the child's memory, not in this file's.
CHILD = (
    "import time; marker = 'PROC' + '-MARKER-' + '7f3a'; print('up', flush=True); time.sleep(60)"
)
RULE = 'rule in_memory { strings: $m = "PROC-MARKER-7f3a" condition: $m }'


@pytest.fixture
def child() -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "up"
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


@pytest.mark.live
def test_a_marker_in_process_memory(child: int) -> None:
    rows = run_table(
        yara_process,
        "pid = ? AND sigrule = ?",
        child,
        RULE,
        columns="pid, matches, count, sigrule, sig_group, sigfile, strings, tags",
        flags={"enable_yara_string": True},
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["strings"].startswith("$m:")
    assert int(row.pop("strings")[3:], 16) > 0
    assert row == {"pid": child, "matches": "in_memory", "count": 1, "sigrule": RULE,
                   "sig_group": "", "sigfile": "", "tags": ""}  # fmt: skip


@pytest.mark.live
def test_absent_marker_and_gone_process(child: int) -> None:
    rule = 'rule absent { strings: $m = "NOT-IN-ANY-PROCESS-" condition: $m and false }'
    rows = run_table(yara_process, "pid IN (?, ?) AND sigrule = ?", child, 2**22 + 7, rule)
    assert [(r["pid"], r["count"], r["matches"]) for r in rows] == [(child, 0, "")]


def test_fixture_hosts_have_no_processes_to_scan(tmp_path: Path) -> None:
    rule = "rule always_true { condition: true }"
    assert run_table(yara_process, "pid = 1 AND sigrule = ?", rule, root=tmp_path) == []


def test_pid_is_required() -> None:
    with pytest.raises(Exception, match="required"):
        run_table(yara_process, "sigrule = 'rule a { condition: true }'")
