"""FIM end to end on real files: inotify publisher, file_events rows, watches and losses."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from event_fakes import Recorder, wait_for

from hostql.events.bus import EventRuntime
from hostql.events.publishers.inotify import InotifyPublisher, action_of
from hostql.events.service import EventsConfig, start_for_engine
from hostql.flags import default_values
from hostql.host.inotify import (
    IN_ACCESS,
    IN_ATTRIB,
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_MODIFY,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_OPEN,
)
from hostql.sql.engine import Engine
from hostql.tables.events.file_events import file_events
from hostql.tables.utility.osquery_events import osquery_events
from hostql.testing import engine_for

COLUMNS = "action, target_path, category, transaction_id, hashed"


class Fim:
    """An engine with file_events, FIM running over a config."""

    def __init__(self, engine: Engine, runtime: EventRuntime, recorder: Recorder) -> None:
        self.engine = engine
        self.runtime = runtime
        self.recorder = recorder
        publisher = runtime.publishers["inotify"].publisher
        assert isinstance(publisher, InotifyPublisher)
        self.publisher = publisher

    def configure(self, **config: Any) -> None:
        self.runtime.configure(EventsConfig(**config))
        assert self.publisher.wait_applied(5)

    def rows(self, sql: str = f"select {COLUMNS} from file_events") -> list[dict[str, Any]]:
        return self.engine.query(sql)

    def settle(self, count: int) -> list[dict[str, Any]]:
        """The rows once at least count are buffered."""
        wait_for(lambda: len(self.rows()) >= count)
        return self.rows()


@pytest.fixture
def fim(tmp_path: Path, recorder: Recorder) -> Iterator[Callable[..., Fim]]:
    started: list[EventRuntime] = []

    def start(config: dict[str, Any], **flags: Any) -> Fim:
        path = tmp_path / "hostql.conf"
        path.write_text(json.dumps(config))
        values = default_values()
        values.set("enable_file_events", True)
        values.set("config_path", str(path))
        for name, value in flags.items():
            values.set(name, value)
        engine = engine_for(file_events, osquery_events, flags=values)
        runtime = start_for_engine(engine, values, status=recorder)
        started.append(runtime)
        made = Fim(engine, runtime, recorder)
        assert made.publisher.wait_applied(5)
        return made

    yield start
    for runtime in started:
        runtime.stop(timeout=2)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_action_mapping_takes_the_first_bit_in_osquery_order() -> None:
    assert action_of(IN_CREATE) == "CREATED"
    assert action_of(IN_MODIFY | IN_ATTRIB) == "UPDATED"
    assert action_of(IN_ACCESS | IN_MODIFY) == "ACCESSED"
    assert action_of(IN_CLOSE_WRITE) == "UPDATED"
    assert action_of(IN_OPEN) == "OPENED"
    assert action_of(IN_MOVED_FROM) == "MOVED_FROM" and action_of(IN_MOVED_TO) == "MOVED_TO"
    assert action_of(IN_DELETE) == "DELETED" and action_of(0x10) == ""


def test_every_change_gives_its_rows(tmp_path: Path, fim: Callable[..., Fim]) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    other = tmp_path / "other"
    other.mkdir()
    run = fim({"file_paths": {"tree": [f"{tree}/%%"], "other": [f"{other}/"]}})
    assert run.publisher.watched() == [str(other), str(tree), str(tree / "sub")]
    target = tree / "a.txt"
    # Each step waits for its rows: stat and hashes are taken when a row is made.
    target.write_bytes(b"hello")  # CREATED, UPDATED (modify), UPDATED (close_write)
    run.settle(3)
    os.chmod(target, 0o600)  # ATTRIBUTES_MODIFIED
    run.settle(4)
    os.rename(target, tree / "sub" / "b.txt")  # within the tree
    run.settle(6)
    os.rename(tree / "sub" / "b.txt", other / "c.txt")  # across watched trees
    run.settle(8)
    os.unlink(other / "c.txt")
    rows = run.settle(9)
    md5 = "5d41402abc4b2a76b9719d911017c592"
    assert [(r["action"], r["target_path"], r["category"], r["hashed"]) for r in rows] == [
        ("CREATED", str(target), "tree", 1),
        ("UPDATED", str(target), "tree", 1),
        ("UPDATED", str(target), "tree", 1),
        ("ATTRIBUTES_MODIFIED", str(target), "tree", 0),
        ("MOVED_FROM", str(target), "tree", 0),
        ("MOVED_TO", str(tree / "sub" / "b.txt"), "tree", 0),
        ("MOVED_FROM", str(tree / "sub" / "b.txt"), "tree", 0),
        ("MOVED_TO", str(other / "c.txt"), "other", 0),
        ("DELETED", str(other / "c.txt"), "other", 0),
    ]
    cookies = [r["transaction_id"] for r in rows]
    assert cookies[:4] == [0, 0, 0, 0] and cookies[8] == 0
    assert (
        cookies[4] == cookies[5] != 0 and cookies[6] == cookies[7] != 0 and cookies[4] != cookies[6]
    )
    # The close_write row is made after the data is written (a CREATED row may see it empty).
    full = run.rows("select * from file_events where action = 'UPDATED'")[-1:]
    assert full[0]["md5"] == md5
    assert full[0]["sha256"] == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert full[0]["size"] == 5 and full[0]["mode"] == f"{0o666 & ~_umask():04o}"
    moved = run.rows("select mode from file_events where action = 'MOVED_TO'")
    assert [r["mode"] for r in moved] == ["0600", "0600"]
    assert run.rows("select mode, size from file_events where action = 'DELETED'") == [
        {"mode": None, "size": None}  # gone: no file columns
    ]
    assert {"inode", "uid", "gid", "atime", "mtime", "ctime", "time"} <= set(full[0])
    eids = [r["eid"] for r in run.rows("select eid from file_events")]
    assert eids == sorted(eids) and len(set(eids)) == 9


def test_new_directories_are_watched_and_what_they_hold_reported(
    tmp_path: Path, fim: Callable[..., Fim]
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    run = fim({"file_paths": {"tree": [f"{tree}/%%"]}})
    deep = tree / "a" / "b" / "c"
    deep.mkdir(parents=True)  # faster than the watches can follow
    (deep / "f").write_text("x")
    wait_for(lambda: str(deep) in run.publisher.watched())
    (deep / "later").write_text("y")
    created = lambda: {r["target_path"] for r in run.rows() if r["action"] == "CREATED"}  # noqa: E731
    expected = {
        str(tree / "a"),
        str(tree / "a" / "b"),
        str(deep),
        str(deep / "f"),
        str(deep / "later"),
    }
    wait_for(lambda: created() >= expected)
    assert created() == expected
    counts: dict[str, int] = {}
    for row in run.rows():
        if row["action"] == "CREATED":
            counts[row["target_path"]] = counts.get(row["target_path"], 0) + 1
    assert set(counts.values()) == {1}  # scanned and queued creations are reported once
    directory = next(r for r in run.rows() if r["target_path"] == str(deep))
    assert directory["hashed"] == -1  # a directory cannot be hashed
    assert run.publisher.watched() == [str(tree), str(tree / "a"), str(tree / "a" / "b"), str(deep)]
    # Moving a subtree out of the watched tree drops its watches; moving it back restores them.
    outside = tmp_path / "outside"
    os.rename(tree / "a", outside)
    assert wait_for(lambda: run.publisher.watched() == [str(tree)])
    os.rename(outside, tree / "back")
    wanted = [
        str(tree),
        str(tree / "back"),
        str(tree / "back" / "b"),
        str(tree / "back" / "b" / "c"),
    ]
    assert wait_for(lambda: run.publisher.watched() == wanted)
    (tree / "back" / "b" / "c" / "g").write_text("z")
    assert wait_for(lambda: str(tree / "back" / "b" / "c" / "g") in created())


def test_excluded_trees_are_never_watched(tmp_path: Path, fim: Callable[..., Fim]) -> None:
    tree = tmp_path / "tree"
    for sub in ("keep/deep", "cache/x/y", "logs"):
        (tree / sub).mkdir(parents=True)
    run = fim(
        {
            "file_paths": {"tree": [f"{tree}/%%"]},
            "exclude_paths": {"tree": [f"{tree}/cache/%%", f"{tree}/logs/"]},
        }
    )
    assert run.publisher.watched() == [
        str(tree),
        str(tree / "keep"),
        str(tree / "keep" / "deep"),
        str(tree / "logs"),  # '/logs/' drops its entries' events, not deeper ones
    ]
    (tree / "cache" / "new").mkdir()
    (tree / "logs" / "app.log").write_text("x")
    (tree / "keep" / "f").write_text("x")
    rows = run.settle(1)
    assert {r["target_path"] for r in rows} == {str(tree / "keep" / "f")}
    assert str(tree / "cache" / "new") not in run.publisher.watched()


def test_file_accesses_record_reads_and_never_hash(tmp_path: Path, fim: Callable[..., Fim]) -> None:
    watched = tmp_path / "secrets"
    watched.mkdir()
    (watched / "key").write_text("secret")
    run = fim({"file_paths": {"secrets": [f"{watched}/%"]}, "file_accesses": ["secrets"]})
    (watched / "key").read_text()
    rows = run.settle(2)
    assert [(r["action"], r["hashed"]) for r in rows[:2]] == [("OPENED", 0), ("ACCESSED", 0)]
    (watched / "key").write_text("new")
    wait_for(lambda: any(r["action"] == "UPDATED" for r in run.rows()))
    assert {r["hashed"] for r in run.rows()} == {0}


def test_leaf_patterns_and_single_files(tmp_path: Path, fim: Callable[..., Fim]) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    conf = tmp_path / "app.conf"
    conf.write_text("a=1")
    run = fim({"file_paths": {"shells": [f"{bin_dir}/%sh"], "conf": [str(conf)]}})
    (bin_dir / "bash").write_text("")
    (bin_dir / "ls").write_text("")
    (tmp_path / "unrelated").write_text("")
    # An editor's save: write a new file and rename it over the watched one, twice.
    for text in ("a=2", "a=3"):
        (tmp_path / "app.conf.tmp").write_text(text)
        os.rename(tmp_path / "app.conf.tmp", conf)
    wait_for(lambda: len([r for r in run.rows() if r["category"] == "conf"]) >= 2)
    rows = run.rows()
    assert {r["target_path"] for r in rows if r["category"] == "shells"} == {str(bin_dir / "bash")}
    assert [r["action"] for r in rows if r["category"] == "conf"] == ["MOVED_TO", "MOVED_TO"]


def test_config_refresh_adds_and_removes_watches(tmp_path: Path, fim: Callable[..., Fim]) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    run = fim({"file_paths": {"one": [f"{first}/%%"]}})
    assert run.publisher.watched() == [str(first)]
    run.configure(file_paths={"two": (f"{second}/%%",)})
    assert run.publisher.watched() == [str(second)]
    (first / "ignored").write_text("")
    (second / "seen").write_text("")
    rows = run.settle(1)
    assert {r["target_path"] for r in rows} == {str(second / "seen")}
    assert run.runtime.publishers["inotify"].publisher.counters["refreshes"] == 0


def test_watch_exhaustion_is_reported_not_fatal(
    tmp_path: Path, fim: Callable[..., Fim], recorder: Recorder
) -> None:
    tree = tmp_path / "tree"
    for sub in ("a", "b", "c", "d"):
        (tree / sub).mkdir(parents=True)
    run = fim({"file_paths": {"tree": [f"{tree}/%%"]}}, file_events_max_watches=2)
    assert len(run.publisher.watched()) == 2
    assert run.publisher.counters["watch_failures"] == 3
    warnings = recorder.text("warning")
    assert len(warnings) == 1 and "the inotify watch limit is reached" in warnings[0]
    assert "--file_events_max_watches=2" in warnings[0]
    run.runtime.step(0)
    assert recorder.text("warning")[-1].startswith("Event publisher inotify: 3 watches failed")
    (tree / "f").write_text("")
    assert run.settle(1)[0]["target_path"] == str(tree / "f")  # still running
    row = next(
        r for r in run.rows("select *, counters from osquery_events") if r["name"] == "inotify"
    )
    assert json.loads(row["counters"])["watch_failures"] == 3 and row["active"] == 1


def test_kernel_watch_limit_is_reported(
    tmp_path: Path, fim: Callable[..., Fim], recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hostql.host import inotify as ino

    real = ino.Inotify.add_watch
    calls = {"n": 0}

    def limited(self: ino.Inotify, path: str, mask: int) -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise ino.WatchLimitError(28, "No space left on device", path)
        return real(self, path, mask)

    monkeypatch.setattr(ino.Inotify, "add_watch", limited)
    (tmp_path / "t" / "x").mkdir(parents=True)
    run = fim({"file_paths": {"t": [f"{tmp_path / 't'}/%%"]}})
    assert run.publisher.counters["watch_failures"] == 1
    assert f"fs.inotify.max_user_watches={ino.max_user_watches()}" in recorder.text("warning")[0]


def test_queue_overflow_is_counted(fim: Callable[..., Fim], tmp_path: Path) -> None:
    from hostql.host.inotify import IN_Q_OVERFLOW, InotifyEvent

    run = fim({"file_paths": {"t": [f"{tmp_path}/%%"]}})
    run.publisher.handle([InotifyEvent(-1, IN_Q_OVERFLOW, 0, b"")])
    run.runtime.step(0)
    assert run.recorder.text("warning")[-1] == (
        "Event publisher inotify: 1 queue overflows (events lost) since the last report "
        "(1 in all): the kernel event queue overflowed"
    )
    row = run.rows("select name, queue_overflows from osquery_events where name = 'inotify'")
    assert row == [{"name": "inotify", "queue_overflows": 1}]


def test_disabled_without_enable_file_events(tmp_path: Path, recorder: Recorder) -> None:
    values = default_values()
    engine = engine_for(file_events, osquery_events, flags=values)
    runtime = start_for_engine(engine, values, status=recorder)
    try:
        inotify_line = "Event publisher not enabled: inotify: Publisher disabled via configuration"
        wait_for(lambda: inotify_line in recorder.text("info"))
        assert [line for line in recorder.text("info") if "inotify" in line] == [inotify_line]
        rows = {r["name"]: r for r in engine.query("select *, last_error from osquery_events")}
        assert rows["inotify"]["active"] == 0 and rows["file_events"]["active"] == 0
        assert rows["file_events"]["last_error"] == "Subscriber disabled via configuration"
    finally:
        runtime.stop(timeout=2)
