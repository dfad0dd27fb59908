"""file_events: its spec against osquery's, and the rows its subscriber makes from events."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hostql.events.service import EventsConfig
from hostql.flags import default_values
from hostql.host import Host
from hostql.tables.events.file_events import FileEventsSubscriber, file_events
from hostql.testing import run_table


def test_spec_matches_osquery(reference_tables: dict[str, dict[str, Any]]) -> None:
    ref = reference_tables["file_events"]
    assert file_events.create_table_sql(osquery_only=True) == ref["create_table_sql_on_linux"]
    assert file_events.evented and file_events.column("time").additional


def subscriber(**flags: Any) -> FileEventsSubscriber:
    values = default_values()
    for name, value in flags.items():
        values.set(name, value)
    return FileEventsSubscriber(values, Host("/"))


def event(
    path: Path, action: str, *matches: tuple[str, str, bool], cookie: int = 0
) -> dict[str, Any]:
    return {"path": str(path), "action": action, "cookie": cookie, "matches": matches}


def test_created_and_updated_files_are_hashed(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"hello")
    os.chmod(target, 0o640)
    [row] = subscriber().rows(event(target, "UPDATED", ("file_events", "cat", False), cookie=9))
    st = target.stat()
    assert row == {
        "action": "UPDATED",
        "target_path": str(target),
        "category": "cat",
        "transaction_id": 9,
        "inode": st.st_ino,
        "uid": st.st_uid,
        "gid": st.st_gid,
        "mode": "0640",
        "size": 5,
        "atime": int(st.st_atime),
        "mtime": int(st.st_mtime),
        "ctime": int(st.st_ctime),
        "md5": "5d41402abc4b2a76b9719d911017c592",
        "sha1": "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
        "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "hashed": 1,
    }


def test_hashing_rules(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"data")
    sub = subscriber()
    mine = ("file_events", "cat", False)

    def hashed(path: Path, action: str, *matches: tuple[str, str, bool], **flags: Any) -> list[Any]:
        made = subscriber(**flags) if flags else sub
        return [r["hashed"] for r in made.rows(event(path, action, *matches))]

    assert hashed(target, "CREATED", mine) == [1]
    assert hashed(target, "ATTRIBUTES_MODIFIED", mine) == [0]
    assert hashed(target, "DELETED", mine) == [0]
    assert hashed(target, "MOVED_TO", mine) == [0]
    assert hashed(tmp_path, "CREATED", mine) == [-1]  # a directory
    assert hashed(tmp_path / "gone", "CREATED", mine) == [-1]
    big = tmp_path / "big"
    big.write_bytes(b"0123456789")
    assert hashed(big, "UPDATED", mine, read_max=2) == [-1]  # past --read_max
    # A file_accesses category is never hashed; each matching category gets its row.
    assert hashed(target, "UPDATED", ("file_events", "acc", True), mine) == [0, 1]
    gone = list(sub.rows(event(tmp_path / "gone", "DELETED", mine)))
    assert "inode" not in gone[0] and gone[0]["md5"] == ""


def test_only_this_tables_matches_make_rows(tmp_path: Path) -> None:
    sub = subscriber()
    assert list(sub.rows(event(tmp_path, "CREATED", ("yara_events", "cat", False)))) == []
    assert list(sub.rows({"path": str(tmp_path), "action": "CREATED"})) == []


def test_subscriptions_come_from_the_config() -> None:
    sub = subscriber()
    config = EventsConfig(
        file_paths={"etc": ("/etc/%%",), "bin": ("/bin/%", "/sbin/%")},
        exclude_paths={"etc": ("/etc/ssl/%%",), "other": ("/x",)},
        file_accesses=("bin",),
    )
    found = sub.path_subscriptions(config)
    assert [(s.category, s.pattern, s.accesses, s.excludes) for s in found] == [
        ("etc", "/etc/%%", False, ("/etc/ssl/%%",)),
        ("bin", "/bin/%", True, ()),
        ("bin", "/sbin/%", True, ()),
    ]
    assert sub.subscriptions == 3
    assert sub.refusal() == "Subscriber disabled via configuration"
    assert subscriber(enable_file_events=True).refusal() == ""


def test_the_table_warns_when_events_are_disabled() -> None:
    from hostql.testing import engine_for

    engine = engine_for(file_events)
    assert engine.query("select * from file_events") == []
    assert engine.take_warnings() == ["Table file_events is event-based but events are disabled"]
    assert run_table(file_events, flags={"disable_events": True}) == []
