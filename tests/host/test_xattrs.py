"""Extended attributes and file capabilities through the host root."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from hostql.host import Host

# vfs_cap_data revision 2, effective bit set, CAP_NET_RAW (13) permitted.
NET_RAW = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)


def test_attributes_and_capabilities(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    os.setxattr(target, "user.comment", b"hello\0")
    os.setxattr(target, "security.capability", NET_RAW)
    reader = Host(tmp_path).xattrs
    assert dict(reader.attributes("/file") or []) == {
        "user.comment": b"hello\0",
        "security.capability": NET_RAW,
    }
    assert reader.capabilities("/file") == "cap_net_raw=ep"


def test_plain_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    reader = Host(tmp_path).xattrs
    assert reader.attributes("/plain") == []
    assert reader.capabilities("/plain") == ""
    assert reader.attributes("/missing") is None
    assert reader.capabilities("/missing") is None
