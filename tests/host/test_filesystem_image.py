"""The Sleuth Kit reader: volume systems, filesystems, walks, lookups and hashes."""

from __future__ import annotations

import hashlib
import struct
import subprocess
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.filesystem_image import inode_number, leaf


def test_leaf_and_inode_parsing() -> None:
    assert [leaf(p) for p in ("/a/b.txt", "/", "/a/", "")] == ["b.txt", "/", ".", ""]
    assert [inode_number(v) for v in (12, "12", "0x10", "x")] == [12, 12, 0, 0]


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "dir/sub").mkdir(parents=True)
    (content / "top.txt").write_text("top\n")
    (content / "dir/sub/deep.bin").write_bytes(bytes(range(256)) * 40)
    fs = tmp_path / "fs.img"
    subprocess.run(
        ["mkfs.ext4", "-q", "-b", "1024", "-N", "64", "-d", str(content), str(fs), "2048K"],
        check=True,
        capture_output=True,
    )
    data = fs.read_bytes()
    image = bytearray(2048 * 512 + len(data))
    image[446:462] = struct.pack("<B3sB3sII", 0, b"", 0x83, b"", 2048, len(data) // 512)
    image[510:512] = b"\x55\xaa"
    image[2048 * 512 :] = data
    path = tmp_path / "root/dev/sdz"
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(image))
    return tmp_path / "root"


def test_partitions_and_filesystem(disk: Path) -> None:
    image = Host(disk).filesystem_image.open("/dev/sdz")
    assert image is not None and image.block_size == 512
    parts = image.partitions()
    assert [(p.address, p.description, p.flags, p.start) for p in parts] == [
        (0, "Primary Table (#0)", 4, 0),
        (1, "Unallocated", 2, 0),
        (2, "Linux (0x83)", 1, 2048),
    ]
    assert image.filesystem(parts[0]) is None
    filesystem = image.filesystem(parts[2])
    assert filesystem is not None
    assert (filesystem.info.type, filesystem.info.block_size, filesystem.info.block_count) == (
        "ext4",
        1024,
        2048,
    )
    walked = [(e.path, e.type) for e in filesystem.walk()]
    assert walked == [("/top.txt", "regular"), ("/dir/sub/deep.bin", "regular")]
    deep = filesystem.by_path("/dir/sub/deep.bin")
    assert deep is not None and deep.size == 10240 and deep.mode == 0o644
    assert filesystem.by_path("/missing") is None
    content = bytes(range(256)) * 40
    assert filesystem.hashes(deep.inode) == (
        hashlib.md5(content).hexdigest(),
        hashlib.sha1(content).hexdigest(),
        hashlib.sha256(content).hexdigest(),
    )
    by_inode = filesystem.by_inode(deep.inode)
    assert by_inode is not None and by_inode.path is None and by_inode.size == 10240
    assert filesystem.by_inode(10**9) is None and filesystem.hashes(10**9) is None


def test_no_volume_system(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/plain").write_bytes(bytes(1 << 20))
    reader = Host(tmp_path).filesystem_image
    assert reader.open("/dev/plain") is None
    assert reader.open("/dev/missing") is None
