"""file: =, IN and LIKE paths, directory listings, stat columns, and the live machine."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hostql.host.files import Files
from hostql.tables.utility.file import file, file_type, permissions, split_path
from hostql.testing import run_table


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small host tree: files, a hidden file, a subdirectory, symlinks and a link loop."""
    etc = tmp_path / "etc"
    (etc / "ssh").mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (etc / "hosts").write_text("127.0.0.1 localhost\n")
    (etc / ".hidden").write_text("secret\n")
    (etc / "ssh" / "sshd_config").write_text("Port 22\n")
    (etc / "ssh" / ".keys").mkdir()
    (etc / "ssh" / ".keys" / "host_key").write_text("key\n")
    (etc / "passwd").chmod(0o644)
    (etc / "link").symlink_to("passwd")
    (etc / "dangling").symlink_to("nowhere")
    (etc / "sbin").mkdir()
    (etc / "sbin" / "tool").write_text("#!/bin/sh\n")
    (etc / "sbin" / "tool").chmod(0o4755)
    (etc / "sbin" / "here").symlink_to(".")
    return tmp_path


def paths(rows: list[dict]) -> set[str]:
    return {r["path"] for r in rows}


def test_path_equals_gives_every_stat_column(tree: Path) -> None:
    st = os.stat(tree / "etc/passwd")
    rows = run_table(file, "path = ?", "/etc/passwd", root=tree)
    assert rows == [
        {
            "path": "/etc/passwd",
            "directory": "/etc",
            "filename": "passwd",
            "inode": st.st_ino,
            "uid": st.st_uid,
            "gid": st.st_gid,
            "mode": "0644",
            "device": 0,
            "size": st.st_size,
            "block_size": st.st_blksize,
            "atime": st.st_atime_ns // 10**9,
            "mtime": st.st_mtime_ns // 10**9,
            "ctime": st.st_ctime_ns // 10**9,
            "btime": rows[0]["btime"],
            "hard_links": 1,
            "symlink": 0,
            "type": "regular",
            "symlink_target_path": None,
        }
    ]
    assert isinstance(rows[0]["btime"], int)


def test_path_equals_does_not_walk(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("an equality constraint must not list directories")

    for name in ("list_dir", "expand", "_descend", "_match"):
        monkeypatch.setattr(Files, name, forbidden)
    rows = run_table(file, "path IN (?, ?, ?)", "/etc/passwd", "/etc/ssh", "/nope", root=tree)
    assert [(r["path"], r["type"]) for r in rows] == [
        ("/etc/passwd", "regular"),
        ("/etc/ssh", "directory"),
    ]


def test_missing_path_gives_no_row(tree: Path) -> None:
    assert run_table(file, "path = ?", "/etc/missing", root=tree) == []


def test_percent_matches_one_level_without_dot_files(tree: Path) -> None:
    rows = run_table(file, "path LIKE ?", "/etc/%", root=tree)
    assert paths(rows) == {
        "/etc/passwd",
        "/etc/hosts",
        "/etc/link",
        "/etc/dangling",
        "/etc/ssh/",
        "/etc/sbin/",
    }


def test_double_percent_recurses_and_stops_at_link_loops(tree: Path) -> None:
    rows = run_table(file, "path LIKE ?", "/etc/%%", root=tree, columns="path")
    assert paths(rows) == {
        "/etc/passwd",
        "/etc/hosts",
        "/etc/link",
        "/etc/dangling",
        "/etc/ssh/",
        "/etc/ssh/sshd_config",
        "/etc/sbin/",
        "/etc/sbin/tool",
        "/etc/sbin/here/",
    }


def test_wildcards_inside_a_component(tree: Path) -> None:
    assert paths(run_table(file, "path LIKE ?", "/etc/host_", root=tree)) == {"/etc/hosts"}
    assert paths(run_table(file, "path LIKE ?", "/etc/%ss%", root=tree)) == {
        "/etc/passwd",
        "/etc/ssh/",
    }
    assert paths(run_table(file, "path LIKE ?", "/%/ssh/%", root=tree)) == {"/etc/ssh/sshd_config"}
    assert paths(run_table(file, "path LIKE ?", "/etc/ssh/.%", root=tree)) == {"/etc/ssh/.keys/"}


def test_glob_directories_keep_their_trailing_slash(tree: Path) -> None:
    rows = run_table(file, "path LIKE ?", "/etc/ss%", root=tree)
    assert [(r["path"], r["filename"], r["directory"], r["type"]) for r in rows] == [
        ("/etc/ssh/", ".", "/etc/ssh", "directory")
    ]


def test_directory_lists_every_entry(tree: Path) -> None:
    rows = run_table(file, "directory = ?", "/etc/ssh", root=tree)
    assert sorted((r["path"], r["filename"], r["directory"]) for r in rows) == [
        ("/etc/ssh/.keys", ".keys", "/etc/ssh"),
        ("/etc/ssh/sshd_config", "sshd_config", "/etc/ssh"),
    ]
    rows = run_table(file, "directory = ?", "/etc/ssh/", root=tree, columns="path, directory")
    assert sorted(r["path"] for r in rows) == ["/etc/ssh/.keys", "/etc/ssh/sshd_config"]
    assert {r["directory"] for r in rows} == {"/etc/ssh/"}


def test_directory_like_lists_matched_directories(tree: Path) -> None:
    rows = run_table(file, "directory LIKE ?", "/etc/s%", root=tree, columns="path, directory")
    assert sorted((r["directory"], r["path"]) for r in rows) == [
        ("/etc/sbin/", "/etc/sbin/here"),
        ("/etc/sbin/", "/etc/sbin/tool"),
        ("/etc/ssh/", "/etc/ssh/.keys"),
        ("/etc/ssh/", "/etc/ssh/sshd_config"),
    ]


def test_path_and_directory_together_do_not_repeat_rows(tree: Path) -> None:
    rows = run_table(file, "path = ? AND directory = ?", "/etc/passwd", "/etc", root=tree)
    assert paths(rows) == {"/etc/passwd"}
    assert len(rows) == 1


def test_symlinks_report_the_target_and_the_link(tree: Path) -> None:
    target = os.stat(tree / "etc/passwd")
    link = run_table(file, "path = ?", "/etc/link", root=tree)[0]
    assert (link["symlink"], link["type"], link["inode"]) == (1, "regular", target.st_ino)
    assert link["symlink_target_path"] == "passwd"
    dangling = run_table(file, "path = ?", "/etc/dangling", root=tree)[0]
    assert (dangling["symlink"], dangling["type"]) == (1, "unknown")
    assert dangling["inode"] == os.lstat(tree / "etc/dangling").st_ino
    assert dangling["symlink_target_path"] == "nowhere"


def test_mode_keeps_special_bits(tree: Path) -> None:
    row = run_table(file, "path = ?", "/etc/sbin/tool", root=tree, columns="mode")[0]
    assert row["mode"] == "4755"


def test_special_files_have_their_type(tree: Path) -> None:
    os.mkfifo(tree / "etc/fifo")
    row = run_table(file, "path = ?", "/etc/fifo", root=tree, columns="type")[0]
    assert row["type"] == "fifo"


def test_split_path_follows_boost() -> None:
    assert split_path("/etc/passwd") == ("passwd", "/etc")
    assert split_path("/etc") == ("etc", "/")
    assert split_path("/etc/ssh/") == (".", "/etc/ssh")
    assert split_path("/") == ("/", "")
    assert split_path("relative") == ("relative", "")


def test_type_and_permission_text() -> None:
    assert file_type(0o100644) == "regular"
    assert file_type(0o040755) == "directory"
    assert file_type(0o120777) == "symlink"
    assert file_type(0o020666) == "character"
    assert file_type(0o060660) == "block"
    assert file_type(0o010644) == "fifo"
    assert file_type(0o140755) == "socket"
    assert permissions(0o104755) == "4755"
    assert permissions(0o100600) == "0600"


def test_undecodable_names_become_replacement_characters(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    open(os.path.join(os.fsencode(tmp_path / "d"), b"bad\xffname"), "w").close()
    rows = run_table(file, "directory = ?", "/d", root=tmp_path, columns="path, filename")
    assert rows == [{"path": "/d/bad\ufffdname", "filename": "bad\ufffdname"}]
    rows = run_table(file, "path LIKE ?", "/d/%", root=tmp_path, columns="path, filename")
    assert rows == [{"path": "/d/bad\ufffdname", "filename": "bad\ufffdname"}]
    assert run_table(file, "path = ?", "", root=tmp_path) == []


@pytest.mark.live
def test_live_file_matches_os_stat() -> None:
    for path in ("/etc/passwd", "/usr/bin", "/dev/null"):
        row = run_table(file, "path = ?", path)[0]
        st = os.stat(path)
        assert row["inode"] == st.st_ino
        assert row["size"] == st.st_size
        assert row["mode"] == f"{stat.S_IMODE(st.st_mode):04o}"
        assert row["hard_links"] == st.st_nlink
        assert row["device"] == st.st_rdev
        assert row["mtime"] == int(st.st_mtime)
    assert run_table(file, "path = ?", "/dev/null")[0]["type"] == "character"


@pytest.mark.live
def test_live_directory_listing_matches_scandir() -> None:
    rows = run_table(file, "directory = ?", "/etc", columns="path")
    assert paths(rows) == {f"/etc/{e.name}" for e in os.scandir("/etc")}
