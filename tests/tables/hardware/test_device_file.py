"""device_file: files inside a partition of a disk image, via TSK."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hostql.errors import ConstraintError
from hostql.tables.hardware.device_file import device_file
from hostql.testing import engine_for, run_table

MTIME = 1_600_000_000


@pytest.fixture
def root(tmp_path: Path, ext4: Callable[..., bytes], disk_image: Callable[..., Path]) -> Path:
    content = tmp_path / "content"
    (content / "etc").mkdir(parents=True)
    (content / "etc/hostname").write_text("box\n")
    (content / "etc/secret").write_text("s3cret")
    os.chown(content / "etc/secret", 1000, 100)
    (content / "etc/secret").chmod(0o4750)
    (content / "empty").write_bytes(b"")
    (content / "link").symlink_to("etc/hostname")
    for path in (content / "etc/hostname", content / "etc/secret", content / "empty"):
        os.utime(path, (MTIME, MTIME))
    disk_image(tmp_path / "root/dev/sdz", "gpt", ext4(tmp_path / "fs.img", content))
    return tmp_path / "root"


def test_walk_lists_regular_files(root: Path) -> None:
    rows = run_table(device_file, "device = '/dev/sdz' and partition = '4'", root=root)
    by_path = {r["path"]: r for r in rows}
    assert sorted(by_path) == ["/empty", "/etc/hostname", "/etc/secret"]
    secret = by_path["/etc/secret"]
    assert {k: secret[k] for k in secret if k not in ("inode", "ctime")} == {
        "device": "/dev/sdz",
        "partition": "4",
        "path": "/etc/secret",
        "filename": "secret",
        "uid": 1000,
        "gid": 100,
        "mode": str(0o4750),
        "size": 6,
        "block_size": 1024,
        "atime": MTIME,
        "mtime": MTIME,
        "hard_links": 1,
        "type": "regular",
    }
    assert secret["inode"] > 11


def test_path_lookup_reports_any_type(root: Path) -> None:
    where = "device = '/dev/sdz' and partition = 4 and path in ('/etc', '/link', '/nope')"
    rows = run_table(device_file, where, root=root, columns="path, filename, type, mode")
    assert rows == [
        {"path": "/etc", "filename": "etc", "type": "directory", "mode": "493"},
        {"path": "/link", "filename": "link", "type": "symlink", "mode": "511"},
    ]


def test_inode_lookup(root: Path) -> None:
    (hostname,) = run_table(
        device_file, "device = '/dev/sdz' and partition = '4' and path = '/etc/hostname'", root=root
    )
    rows = run_table(
        device_file,
        "device = '/dev/sdz' and partition = '4' and inode = ?",
        hostname["inode"],
        root=root,
        columns="path, inode, size",
    )
    assert rows == [{"path": None, "inode": hostname["inode"], "size": 4}]


def test_other_partition_or_several_partitions_give_nothing(root: Path) -> None:
    assert run_table(device_file, "device = '/dev/sdz' and partition = '0'", root=root) == []
    many = "device = '/dev/sdz' and partition in ('4', '5')"
    assert run_table(device_file, many, root=root) == []


def test_device_alone_gives_nothing_and_no_constraint_fails(root: Path) -> None:
    # One required column satisfies the engine; the table itself wants a single partition.
    assert run_table(device_file, "device = '/dev/sdz'", root=root) == []
    with pytest.raises(ConstraintError):
        run_table(device_file, "inode = 12", root=root)


@pytest.mark.live
def test_live_example_runs() -> None:
    engine = engine_for(device_file)
    try:
        for example in device_file.examples:
            engine.execute(example)
    finally:
        engine.close()
