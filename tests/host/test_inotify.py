"""inotify: the record parser over bytes, the real syscalls on a temporary tree, and walks."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hostql.host import inotify as ino
from hostql.host.inotify import (
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_IGNORED,
    IN_ISDIR,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    InotifyEvent,
    pack_event,
    parse_events,
)


def test_parse_events_reads_each_record_and_strips_the_name_padding() -> None:
    data = (
        pack_event(1, IN_CREATE, 0, b"a.txt")
        + pack_event(2, IN_CREATE | IN_ISDIR, 0, b"dir")
        + pack_event(1, IN_MOVED_FROM, 77, b"long-name-of-16b")
        + pack_event(3, IN_IGNORED)
    )
    assert parse_events(data) == [
        InotifyEvent(1, IN_CREATE, 0, b"a.txt"),
        InotifyEvent(2, IN_CREATE | IN_ISDIR, 0, b"dir"),
        InotifyEvent(1, IN_MOVED_FROM, 77, b"long-name-of-16b"),
        InotifyEvent(3, IN_IGNORED, 0, b""),
    ]


def test_parse_events_ignores_a_truncated_tail() -> None:
    whole = pack_event(1, IN_CREATE, 0, b"first")
    second = pack_event(1, IN_CREATE, 0, b"second")
    assert parse_events(whole + second[:20]) == [InotifyEvent(1, IN_CREATE, 0, b"first")]
    assert parse_events(b"") == []
    assert parse_events(whole[:10]) == []


def test_pack_event_pads_names_to_four_bytes() -> None:
    assert len(pack_event(1, 0, 0, b"abc")) == ino.HEADER_SIZE + 4
    assert len(pack_event(1, 0, 0, b"abcd")) == ino.HEADER_SIZE + 8
    assert len(pack_event(1, 0, 0)) == ino.HEADER_SIZE


def _read_until(handle: ino.Inotify, count: int, timeout: float = 5.0) -> list[InotifyEvent]:
    found: list[InotifyEvent] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        if handle.wait(0.1):
            found.extend(parse_events(handle.read()))
    return found


def test_real_watch_reports_creation_moves_and_removal(tmp_path: Path) -> None:
    handle = ino.Inotify()
    try:
        wd = handle.add_watch(
            str(tmp_path), IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
        )
        assert wd > 0
        (tmp_path / "f").write_text("x")
        os.rename(tmp_path / "f", tmp_path / "g")
        events = _read_until(handle, 4)
        assert [(e.wd, e.mask, e.name) for e in events] == [
            (wd, IN_CREATE, b"f"),
            (wd, IN_CLOSE_WRITE, b"f"),
            (wd, IN_MOVED_FROM, b"f"),
            (wd, IN_MOVED_TO, b"g"),
        ]
        assert events[2].cookie == events[3].cookie != 0
        handle.rm_watch(wd)
        assert [e.mask for e in _read_until(handle, 1)] == [IN_IGNORED]
        handle.rm_watch(wd)  # a watch already gone is ignored
    finally:
        handle.close()
    assert handle.fd == -1


def test_add_watch_errors_are_oserrors(tmp_path: Path) -> None:
    handle = ino.Inotify()
    try:
        with pytest.raises(FileNotFoundError):
            handle.add_watch(str(tmp_path / "missing"), IN_CREATE)
        assert not handle.wait(0)
        assert handle.read() == b""
    finally:
        handle.close()


def test_max_user_watches_is_the_kernel_setting() -> None:
    assert ino.max_user_watches() == int(Path(ino.MAX_USER_WATCHES).read_text())


def test_walks_and_expansion(tmp_path: Path) -> None:
    for sub in ("a/b/c", "a/skip/deep", "x1/.ssh", "x2/.ssh", "y/.ssh_not"):
        (tmp_path / sub).mkdir(parents=True)
    (tmp_path / "a" / "file").write_text("")
    (tmp_path / "a" / "link").symlink_to(tmp_path / "x1")
    root = str(tmp_path)
    walked = list(ino.walk_directories(f"{root}/a", skip=lambda d: d.endswith("/skip")))
    assert walked == [f"{root}/a", f"{root}/a/b", f"{root}/a/b/c"]
    assert sorted(ino.entries(f"{root}/a")) == [
        ("b", True),
        ("file", False),
        ("link", False),
        ("skip", True),
    ]
    assert ino.entries(f"{root}/missing") == []
    assert ino.expand_directories(f"{root}/*/.ssh") == [f"{root}/x1/.ssh", f"{root}/x2/.ssh"]
    assert ino.expand_directories(f"{root}/a/b") == [f"{root}/a/b"]
    assert ino.expand_directories(f"{root}/nothing/*") == []
    assert ino.is_directory(root) and not ino.is_directory(f"{root}/a/file")
