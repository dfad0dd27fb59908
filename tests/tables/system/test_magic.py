"""magic: libmagic's description, MIME type and encoding of given paths."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.magic import magic
from hostql.testing import run_table

SYSTEM_DB = Path("/usr/share/misc/magic.mgc")
CUSTOM = "0\tstring\tHOSTQL\thostql test data\n!:mime\tapplication/x-hostql\n"
DEFAULT_DBS = "/usr/share/file/magic.mgc:/usr/share/misc/magic.mgc"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    if not SYSTEM_DB.exists():
        pytest.skip("libmagic's database (libmagic-mgc) is not installed")
    (tmp_path / "usr/share/misc").mkdir(parents=True)
    shutil.copy(SYSTEM_DB, tmp_path / "usr/share/misc/magic.mgc")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hostname").write_text("box\n")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "custom.magic").write_text(CUSTOM)
    (tmp_path / "sample").write_bytes(b"HOSTQL payload\n")
    return tmp_path


def test_one_path_with_default_databases(root: Path) -> None:
    assert run_table(magic, "path = '/etc/hostname'", root=root) == [
        {
            "path": "/etc/hostname",
            "magic_db_files": DEFAULT_DBS,
            "data": "ASCII text",
            "mime_type": "text/plain",
            "mime_encoding": "us-ascii",
        }
    ]


def test_later_paths_keep_the_encoding_flag_like_osquery(root: Path) -> None:
    rows = run_table(magic, "path in ('/etc/hostname', '/empty')", root=root, columns="path, data")
    assert rows == [
        {"path": "/empty", "data": "empty"},
        {"path": "/etc/hostname", "data": "us-ascii"},
    ]


def test_custom_database_constraint(root: Path) -> None:
    rows = run_table(magic, "path = '/sample' and magic_db_files = '/custom.magic'", root=root)
    assert rows == [
        {
            "path": "/sample",
            "magic_db_files": "/custom.magic",
            "data": "hostql test data",
            "mime_type": "application/x-hostql",
            "mime_encoding": "us-ascii",
        }
    ]


def test_unloadable_database_gives_no_rows(root: Path) -> None:
    rows = run_table(magic, "path = '/sample' and magic_db_files = '/nope.mgc'", root=root)
    assert rows == []


@pytest.mark.live
def test_live_matches_file_command() -> None:
    if shutil.which("file") is None:
        pytest.skip("file is not installed")
    for path in ("/etc/passwd", "/bin/sh", "/usr/bin/env"):
        (row,) = run_table(magic, "path = ?", path)
        for flag, column in (
            ([], "data"),
            (["--mime-type"], "mime_type"),
            (["--mime-encoding"], "mime_encoding"),
        ):
            out = subprocess.run(["file", "-b", *flag, path], capture_output=True, text=True)
            assert row[column] == out.stdout.strip(), (path, column)
