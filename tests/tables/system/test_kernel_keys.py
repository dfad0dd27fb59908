"""kernel_keys: /proc/keys with osquery's ten-word rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.kernel_keys import kernel_keys
from hostql.testing import run_table

KEYS = """\
0c33655a I------     1 perm 1f0b0000     0     0 keyring   .builtin_trusted_keys: empty
1456c085 I--Q---    12 3d 1f3f0000  1000  1000 keyring   _uid_ses.1000: 1
2a4d9c11 I--Q---     1 perm 3f010000  1000  1000 user      my key: 5
short line
"""


def test_ten_word_lines_only(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/keys").write_text(KEYS)
    assert run_table(kernel_keys, root=tmp_path) == [
        {"serial_number": "0c33655a", "flags": "I------", "usage": 1, "timeout": "perm",
         "permissions": "1f0b0000", "uid": 0, "gid": 0, "type": "keyring",
         "description": ".builtin_trusted_keys:empty"},
        {"serial_number": "1456c085", "flags": "I--Q---", "usage": 12, "timeout": "3d",
         "permissions": "1f3f0000", "uid": 1000, "gid": 1000, "type": "keyring",
         "description": "_uid_ses.1000:1"},
    ]  # fmt: skip
    assert run_table(kernel_keys, "uid = 1000", root=tmp_path, columns="serial_number") == [
        {"serial_number": "1456c085"}
    ]


def test_no_keys_file_no_rows(tmp_path: Path) -> None:
    assert run_table(kernel_keys, root=tmp_path) == []


@pytest.mark.live
def test_live_serials_match_proc_keys() -> None:
    if not Path("/proc/keys").exists():
        pytest.skip("kernel built without key retention")
    expected = [
        line.split()[0] for line in Path("/proc/keys").read_text().splitlines()
        if len(line.split()) == 10
    ]  # fmt: skip
    assert [r["serial_number"] for r in run_table(kernel_keys)] == expected
