"""libmagic through ctypes: databases and lookups through the host root."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.libmagic import MAGIC_MIME_TYPE, MagicError

MAGIC = "0\tstring\tHOSTQL\thostql test data\n!:mime\tapplication/x-hostql\n"


def test_custom_database(tmp_path: Path) -> None:
    (tmp_path / "db").write_text(MAGIC)
    (tmp_path / "sample").write_bytes(b"HOSTQL and more")
    with Host(tmp_path).libmagic.open(["/db"]) as cookie:
        assert cookie.file("/sample") == "hostql test data"
        cookie.set_flags(MAGIC_MIME_TYPE)
        assert cookie.file("/sample") == "application/x-hostql"


def test_no_loadable_database(tmp_path: Path) -> None:
    with pytest.raises(MagicError):
        Host(tmp_path).libmagic.open(["/missing.mgc"])
