"""last: wtmp logins and logouts; live checks against util-linux utmpdump and last."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from hostql.tables.system.last import last
from hostql.testing import run_table

DUMP = """\
[2] [00000] [~~  ] [reboot  ] [~           ] [6.1.0-13-amd64      ] [0.0.0.0        ] [2024-01-02T03:04:05,000000+00:00]
[6] [00400] [tty1] [LOGIN   ] [tty1        ] [                    ] [0.0.0.0        ] [2024-01-02T03:04:06,000000+00:00]
[7] [01234] [ts/0] [alice   ] [pts/0       ] [10.0.0.5            ] [10.0.0.5       ] [2024-01-02T03:05:00,123456+00:00]
[8] [01234] [ts/0] [        ] [pts/0       ] [                    ] [0.0.0.0        ] [2024-01-02T04:00:00,000000+00:00]
[1] [00053] [~~  ] [runlevel] [~           ] [6.1.0-13-amd64      ] [0.0.0.0        ] [2024-01-02T03:04:07,000000+00:00]
"""  # noqa: E501


def _wtmp(root: Path) -> Path:
    """A binary wtmp written by utmpdump -r (util-linux), the tool's own struct layout."""
    if not shutil.which("utmpdump"):
        pytest.skip("utmpdump (util-linux) missing")
    path = root / "var" / "log" / "wtmp"
    path.parent.mkdir(parents=True)
    done = subprocess.run(["utmpdump", "-r"], input=DUMP.encode(), capture_output=True)
    path.write_bytes(done.stdout)
    return path


def test_rows(tmp_path: Path) -> None:
    _wtmp(tmp_path)
    assert run_table(last, root=tmp_path) == [
        {"username": "alice", "tty": "pts/0", "pid": 1234, "type": 7,
         "type_name": "user-process", "time": 1704164700, "host": "10.0.0.5"},
        {"username": "", "tty": "pts/0", "pid": 1234, "type": 8, "type_name": "dead-process",
         "time": 1704168000, "host": ""},
    ]  # fmt: skip


def test_last_command_sees_the_same_login(tmp_path: Path) -> None:
    wtmp = _wtmp(tmp_path)
    if not shutil.which("last"):
        pytest.skip("last missing")
    out = subprocess.run(
        ["last", "-w", "--time-format", "iso", "-f", str(wtmp)], capture_output=True, text=True
    ).stdout
    login = next(line for line in out.splitlines() if line.startswith("alice"))
    stamp = re.search(r"\d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d", login).group(0)  # type: ignore[union-attr]
    row = run_table(last, "type = 7", root=tmp_path)[0]
    assert row["time"] == int(datetime.fromisoformat(stamp).timestamp())
    assert login.split()[:3] == [row["username"], row["tty"], row["host"]]


def test_no_wtmp(tmp_path: Path) -> None:
    assert run_table(last, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_utmpdump() -> None:
    wtmp = Path("/var/log/wtmp")
    if not shutil.which("utmpdump") or not wtmp.exists():
        pytest.skip("utmpdump or /var/log/wtmp missing")
    out = subprocess.run(["utmpdump", str(wtmp)], capture_output=True, text=True).stdout
    expected = []
    for line in out.splitlines():
        fields = [f.strip() for f in re.findall(r"\[([^\]]*)\]", line)]
        if fields and fields[0] in ("7", "8"):
            expected.append((int(fields[0]), int(fields[1]), fields[3], fields[4]))
    rows = run_table(last)
    assert [(r["type"], r["pid"], r["username"], r["tty"]) for r in rows] == expected
