"""kernel_modules: loaded modules from /proc/modules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.kernel_modules import kernel_modules
from hostql.testing import engine_for, run_table

MODULES = """\
nf_tables 380928 1 nft_compat, Live 0xffffffffc0b21000
xt_MASQUERADE 16384 1 - Live 0xffffffffc0a3c000
vboxdrv 634880 2 vboxnetadp,vboxnetflt, Live 0xffffffffc0c00000 (OE)
half a line
loading 4096 0 - Loading 0x0000000000000000
"""


def test_rows_from_proc_modules(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/modules").write_text(MODULES)
    engine = engine_for(kernel_modules, root=tmp_path)
    assert engine.query("select * from kernel_modules") == [
        {"name": "nf_tables", "size": 380928, "used_by": "nft_compat", "status": "Live",
         "address": "0xffffffffc0b21000"},
        {"name": "xt_MASQUERADE", "size": 16384, "used_by": "-", "status": "Live",
         "address": "0xffffffffc0a3c000"},
        {"name": "vboxdrv", "size": 634880, "used_by": "vboxnetadp,vboxnetflt",
         "status": "Live", "address": "0xffffffffc0c00000"},
        {"name": "loading", "size": 4096, "used_by": "-", "status": "Loading",
         "address": "0x0000000000000000"},
    ]  # fmt: skip
    assert engine.take_warnings() == [
        "kernel_modules: skipped a malformed /proc/modules line: 'half a line'"
    ]


def test_kernel_without_module_support_has_no_rows(tmp_path: Path) -> None:
    assert run_table(kernel_modules, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_lsmod() -> None:
    if not Path("/proc/modules").exists():
        assert run_table(kernel_modules) == []
        pytest.skip("this kernel has no module support (/proc/modules)")
    if shutil.which("lsmod") is None:
        pytest.skip("lsmod (package kmod) is not installed")
    output = subprocess.run(["lsmod"], capture_output=True, text=True, check=True).stdout
    expected = {line.split()[0]: int(line.split()[1]) for line in output.splitlines()[1:]}
    rows = run_table(kernel_modules, columns="name, size")
    assert {r["name"]: r["size"] for r in rows} == expected
