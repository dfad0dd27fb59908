"""ulimit_info: this process's resource limits."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from hostql.tables.system.ulimit_info import ulimit_info
from hostql.testing import run_table

LIMITS = """\
Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             63432                63432                processes 
Max open files            1024                 1048576              files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       63432                63432                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
"""  # noqa: W291 - the kernel pads every column with spaces


def test_rows_in_osquery_name_order(tmp_path: Path) -> None:
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/limits").write_text(LIMITS)
    rows = run_table(ulimit_info, root=tmp_path)
    assert [r["type"] for r in rows] == [
        "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
        "nproc", "rss", "rtprio", "sigpending", "stack",
    ]  # fmt: skip
    assert rows[1] == {"type": "core", "soft_limit": "0", "hard_limit": "unlimited"}
    assert rows[9] == {"type": "nofile", "soft_limit": "1024", "hard_limit": "1048576"}


def test_no_limits_file_no_rows(tmp_path: Path) -> None:
    assert run_table(ulimit_info, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_getrlimit() -> None:
    def text(value: int) -> str:
        return "unlimited" if value == resource.RLIM_INFINITY else str(value)

    rows = {r["type"]: (r["soft_limit"], r["hard_limit"]) for r in run_table(ulimit_info)}
    for name, limit in (("nofile", resource.RLIMIT_NOFILE), ("stack", resource.RLIMIT_STACK),
                        ("core", resource.RLIMIT_CORE), ("as", resource.RLIMIT_AS)):  # fmt: skip
        soft, hard = resource.getrlimit(limit)
        assert rows[name] == (text(soft), text(hard))
    assert len(rows) == 15
