"""extended_attributes: xattrs of given paths, base64 unless a printable C string."""

from __future__ import annotations

import base64
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.sql.context import EQ, Constraint, QueryContext
from hostql.tables.system.extended_attributes import (
    extended_attributes,
    parent_path,
    printable_value,
)
from hostql.testing import run_table

NET_RAW = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    tagged = data / "tagged.txt"
    tagged.write_text("x")
    os.setxattr(tagged, "user.c_string", b"printable value\0")
    os.setxattr(tagged, "user.no_nul", b"abc")
    os.setxattr(tagged, "user.binary", b"\x00\x01\xff")
    os.setxattr(tagged, "user.empty", b"")
    os.setxattr(tagged, "user.nul_inside", b"a\0b\0")
    ping = data / "ping"
    ping.write_text("x")
    os.setxattr(ping, "security.capability", NET_RAW)
    (data / "plain").write_text("x")
    (data / ".hidden").write_text("x")
    os.setxattr(data / ".hidden", "user.h", b"h\0")
    (data / "sub").mkdir()
    os.setxattr(data / "sub", "user.dir", b"folder\0")
    return tmp_path


def test_path_rows(root: Path) -> None:
    rows = run_table(extended_attributes, "path = '/data/tagged.txt'", root=root)
    base = {"path": "/data/tagged.txt", "directory": "/data"}
    assert sorted(rows, key=lambda r: str(r["key"])) == [
        {
            **base,
            "key": "user.binary",
            "value": base64.b64encode(b"\0\1\xff").decode(),
            "base64": 1,
        },
        {**base, "key": "user.c_string", "value": "printable value", "base64": 0},
        {**base, "key": "user.empty", "value": "", "base64": 1},
        {**base, "key": "user.no_nul", "value": "YWJj", "base64": 1},
        {**base, "key": "user.nul_inside", "value": "YQBiAA==", "base64": 1},
    ]


def test_capabilities_are_decoded(root: Path) -> None:
    assert run_table(extended_attributes, "path = '/data/ping'", root=root) == [
        {
            "path": "/data/ping",
            "directory": "/data",
            "key": "security.capability",
            "value": "cap_net_raw=ep",
            "base64": 0,
        },
    ]


def test_like_patterns_mark_directories(root: Path) -> None:
    rows = run_table(extended_attributes, "path like '/data/%'", root=root)
    assert sorted((r["path"], r["directory"], r["key"]) for r in rows) == [
        ("/data/ping", "/data", "security.capability"),
        ("/data/sub/", "/data/sub", "user.dir"),
        ("/data/tagged.txt", "/data", "user.binary"),
        ("/data/tagged.txt", "/data", "user.c_string"),
        ("/data/tagged.txt", "/data", "user.empty"),
        ("/data/tagged.txt", "/data", "user.no_nul"),
        ("/data/tagged.txt", "/data", "user.nul_inside"),
    ]


def test_directory_lists_its_files(root: Path) -> None:
    rows = run_table(
        extended_attributes,
        "directory = '/data' and key <> 'user.binary'",
        root=root,
        columns="path, key",
    )
    assert sorted(rows, key=lambda r: (r["path"], r["key"])) == [
        {"path": "/data/ping", "key": "security.capability"},
        {"path": "/data/tagged.txt", "key": "user.c_string"},
        {"path": "/data/tagged.txt", "key": "user.empty"},
        {"path": "/data/tagged.txt", "key": "user.no_nul"},
        {"path": "/data/tagged.txt", "key": "user.nul_inside"},
    ]


def test_path_and_directory_together_report_a_file_once(root: Path) -> None:
    where = "path = '/data/ping' and directory = '/data'"
    assert len(run_table(extended_attributes, where, root=root)) == 1


def test_missing_path_warns_and_gives_no_rows(root: Path) -> None:
    ctx = QueryContext(
        table="extended_attributes",
        constraints=(Constraint("path", EQ, "/data/missing"),),
        host=Host(root),
    )
    assert list(extended_attributes.generator(ctx)) == []  # type: ignore[misc]
    assert ctx.warnings and "/data/missing" in ctx.warnings[0]


def test_helpers() -> None:
    assert [parent_path(p) for p in ("/a/b", "/a/", "/a", "/")] == ["/a", "/a", "/", ""]
    assert printable_value(b"ok\0") == "ok"
    assert printable_value(b"ok") is None and printable_value(b"\0") == ""


@pytest.mark.live
def test_live_matches_getfattr_and_getcap(tmp_path: Path) -> None:
    if shutil.which("getfattr") is None or shutil.which("getcap") is None:
        pytest.skip("getfattr (attr) or getcap (libcap2-bin) is missing")
    target = tmp_path / "live"
    target.write_text("x")
    os.setxattr(target, "user.live", b"value\0")
    os.setxattr(target, "security.capability", NET_RAW)
    rows = {r["key"]: r["value"] for r in run_table(extended_attributes, "path = ?", str(target))}
    dumped = subprocess.run(
        ["getfattr", "-d", "-m", "user\\.", "--only-values", "-n", "user.live", str(target)],
        capture_output=True,
    ).stdout
    assert rows["user.live"] + "\0" == dumped.decode()
    getcap = subprocess.run(["getcap", str(target)], capture_output=True, text=True).stdout
    assert getcap.split()[-1] == rows["security.capability"]
