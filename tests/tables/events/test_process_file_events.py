"""process_file_events: fd tracking over a recorded shell session (open, dup2, write, rename...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hostql.events.audit_records import AuditAssembler, record_filter
from hostql.events.publishers.audit_rules import syscall_names
from hostql.host.audit_netlink import AUDIT_ARCH_X86_64
from hostql.tables.events.process_file_events import FimTracker, file_rows, resolve_paths

NAMES = syscall_names(AUDIT_ARCH_X86_64)
IDS = "auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0"
SERIAL = iter(range(100, 100000))
DIR = "/tmp/fimdir"


def call(
    number: int,
    args: str,
    exit_code: int = 0,
    *,
    pid: int = 23730,
    exe: str = "/usr/bin/dash",
    paths: tuple[str, ...] = (),
    extra: tuple[tuple[int, str], ...] = (),
) -> list[tuple[int, str]]:
    """One syscall event as the kernel sends it (cwd /tmp)."""
    head = f"audit(1795715101.668:{next(SERIAL)}):"
    records = [
        (
            1300,
            f"{head} arch=c000003e syscall={number} success=yes exit={exit_code} {args} "
            f'items={len(paths)} ppid=23728 pid={pid} {IDS} comm="x" exe="{exe}" key="hostql"',
        )
    ]
    if paths:
        records.append((1307, f'{head} cwd="/tmp"'))
    for item, path in enumerate(paths):
        records.append((1302, f"{head} item={item} {path} dev=fe:00"))
    records += [(kind, f"{head} {text}") for kind, text in extra]
    records.append((1320, head))
    return records


PARENT = 'name="fimdir/" inode=2163303 mode=040755 nametype=PARENT'
SESSION = [
    # sh: echo hi > fimdir/a.txt (openat O_CREAT|O_TRUNC as fd 3, dup2 to 1, close 3, write 1)
    *call(257, "a0=ffffff9c a1=55 a2=241 a3=1b6", 3, paths=(
        PARENT, 'name="fimdir/a.txt" inode=2163308 mode=0100644 nametype=CREATE')),
    *call(33, "a0=3 a1=1", 1),
    *call(3, "a0=3", 0),
    *call(1, "a0=1 a1=55f7f7b02f00 a2=3", 3),
    *call(1, "a0=1 a1=55f7f7b02f00 a2=3", 3),
    # sh forks cat, which opens, reads (twice) and closes it
    *call(56, "a0=1200011", 23732),
    *call(257, "a0=ffffff9c a1=7f a2=0", 3, pid=23732, exe="/usr/bin/cat", paths=(
        'name="fimdir/a.txt" inode=2163308 mode=0100644 nametype=NORMAL',)),
    *call(0, "a0=3 a1=7f a2=20000", 3, pid=23732, exe="/usr/bin/cat"),
    *call(0, "a0=3 a1=7f a2=20000", 0, pid=23732, exe="/usr/bin/cat"),
    *call(3, "a0=3", 0, pid=23732, exe="/usr/bin/cat"),
    # mv fimdir/a.txt fimdir/b.txt; ln -s b.txt fimdir/c; rm fimdir/b.txt fimdir/c
    *call(316, "a0=ffffff9c a1=7f a2=ffffff9c", 0, pid=23733, exe="/usr/bin/mv", paths=(
        PARENT, PARENT, 'name="fimdir/a.txt" inode=2163308 mode=0100644 nametype=DELETE',
        'name="fimdir/b.txt" inode=2163308 mode=0100644 nametype=CREATE')),
    *call(266, "a0=7f a1=ffffff9c a2=7f", 0, pid=23734, exe="/usr/bin/ln", paths=(
        PARENT, 'name="b.txt" nametype=UNKNOWN',
        'name="fimdir/c" inode=2163309 mode=0120777 nametype=CREATE')),
    *call(263, "a0=ffffff9c a1=55 a2=0", 0, pid=23735, exe="/usr/bin/rm", paths=(
        PARENT, 'name="fimdir/b.txt" inode=2163308 mode=0100644 nametype=DELETE')),
    *call(263, "a0=ffffff9c a1=55 a2=0", 0, pid=23735, exe="/usr/bin/rm", paths=(
        PARENT, 'name="fimdir/c" inode=2163309 mode=0120777 nametype=DELETE')),
]  # fmt: skip


def run(tracker: FimTracker, records: list[tuple[int, str]]) -> list[dict[str, Any]]:
    wanted = record_filter(selinux=False, apparmor=False, seccomp=False)
    return file_rows(tracker, AuditAssembler(wanted).feed(records), NAMES, 5)


def summary(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["operation"], r["path"], r.get("dest_path"), r["pid"]) for r in rows]


WATCHED = {f"{DIR}/a.txt", f"{DIR}/b.txt", f"{DIR}/c"}


def test_writes_are_attributed_through_dup_and_fork() -> None:
    rows = run(FimTracker(WATCHED), SESSION)
    assert summary(rows) == [
        ("open+truncate", f"{DIR}/a.txt", None, 23730),
        ("write", f"{DIR}/a.txt", None, 23730),
        ("rename", f"{DIR}/a.txt", f"{DIR}/b.txt", 23733),
        ("symlink", f"{DIR}/b.txt", f"{DIR}/c", 23734),
        ("unlink", f"{DIR}/b.txt", None, 23735),
        ("unlink", f"{DIR}/c", None, 23735),
    ]
    first = rows[0]
    assert (first["executable"], first["cwd"], first["partial"], first["uptime"]) == (
        "/usr/bin/dash",
        "/tmp",
        "false",
        5,
    )
    assert (first["ppid"], first["uid"], first["auid"]) == (23728, "0", "4294967295")


def test_accesses_show_with_audit_fim_show_accesses() -> None:
    rows = run(FimTracker(WATCHED, show_accesses=True), SESSION)
    assert [r["operation"] for r in rows if r["pid"] == 23732] == ["open", "read", "close"]
    assert [r["operation"] for r in rows if r["pid"] == 23730] == [
        "open+truncate",
        "close",
        "write",
    ]


def test_unwatched_paths_and_untracked_fds_yield_nothing() -> None:
    assert run(FimTracker({"/etc/passwd"}), SESSION) == []
    # A write on an fd opened before hostql started: nothing is known about it.
    assert run(FimTracker(WATCHED), call(1, "a0=7 a1=1 a2=3", 3)) == []


def test_file_paths_globs_resolve_at_configure_time(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.conf").write_text("")
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "deep" / "y.conf").write_text("")
    resolved = resolve_paths(
        {"etc": (f"{tmp_path}/a/%",), "deep": (f"{tmp_path}/a/%%",), "later": ("/srv/new/",)}
    )
    assert f"{tmp_path}/a/x.conf" in resolved and f"{tmp_path}/a/deep/y.conf" in resolved
    assert "/srv/new" in resolved
