"""yara_events: subscriptions from the yara section, scans of changed files, rows through SQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostql.daemon.config.model import Config
from hostql.events.bus import EventRuntime
from hostql.events.publishers.inotify import InotifyPublisher
from hostql.events.publishers.inotify_paths import PathSubscription
from hostql.events.store import EventStore, MemoryStore
from hostql.flags import default_values
from hostql.host import Host
from hostql.host.yara import COMPILED
from hostql.sql.engine import Engine
from hostql.tables.events.yara_events import YaraEventsSubscriber, scan_columns, yara_events
from hostql.tables.yara import set_yara_config
from hostql.testing import engine_for

pytest.importorskip("yara")

MARKER = 'rule marker : evil sample { strings: $m = "EVIL-MARKER" condition: $m }'
SECOND = 'rule second { strings: $a = "EVIL" $b = "here" condition: $a and $b }'
ELF = "rule elf { condition: uint32(0) == 0x464c457f }"


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    COMPILED.clear()
    yield
    set_yara_config(None)


@pytest.fixture
def rules(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "rules").mkdir()
    paths = {}
    for name, text in (("marker", MARKER), ("second", SECOND), ("elf", ELF)):
        path = tmp_path / "rules" / f"{name}.yar"
        path.write_text(text + "\n")
        paths[name] = str(path)
    return paths


def _section(rules: dict[str, str]) -> dict[str, Any]:
    return {
        "signatures": {"evil": [rules["marker"], rules["second"]], "bins": [rules["elf"]]},
        "file_paths": {"drop": ["evil", "bins"], "unlisted": ["evil"]},
    }


def _subscriber(section: dict[str, Any], file_paths: dict[str, tuple[str, ...]]) -> Any:
    subscriber = YaraEventsSubscriber(default_values(), host=Host())
    subscriber.configure(Config(file_paths=file_paths, yara=section))
    return subscriber


def _event(path: Path, action: str = "CREATED", category: str = "drop") -> dict[str, Any]:
    return {
        "path": str(path),
        "action": action,
        "mask": 0,
        "cookie": 0,
        "is_dir": False,
        "matches": (("yara_events", category, False), ("file_events", category, False)),
    }


def test_spec_matches_osquery(reference_tables: dict[str, dict[str, Any]]) -> None:
    ref = reference_tables["yara_events"]
    assert yara_events.create_table_sql(osquery_only=True) == ref["create_table_sql_on_linux"]
    assert yara_events.evented


def test_path_subscriptions_cover_yara_categories_present_in_file_paths(
    rules: dict[str, str],
) -> None:
    subscriber = YaraEventsSubscriber(default_values())
    config = Config(
        file_paths={"drop": ("/srv/drop/%%", "/tmp/in/"), "other": ("/etc/%%",)},
        exclude_paths={"drop": ("/srv/drop/cache/%%",)},
        yara=_section(rules),
    )
    assert subscriber.path_subscriptions(config) == [
        PathSubscription("yara_events", "drop", "/srv/drop/%%", False, ("/srv/drop/cache/%%",)),
        PathSubscription("yara_events", "drop", "/tmp/in/", False, ("/srv/drop/cache/%%",)),
    ]
    assert subscriber.subscriptions == 2


def test_without_a_yara_section_there_are_no_subscriptions() -> None:
    subscriber = YaraEventsSubscriber(default_values())
    assert subscriber.path_subscriptions(Config(file_paths={"drop": ("/srv/%%",)})) == []


def test_a_matching_file_gives_one_row_with_every_group(
    tmp_path: Path, rules: dict[str, str]
) -> None:
    target = tmp_path / "payload.bin"
    target.write_bytes(b"\x7fELF....EVIL-MARKER here")
    subscriber = _subscriber(_section(rules), {"drop": (f"{tmp_path}/%%",)})
    assert list(subscriber.rows(_event(target))) == [
        {
            "target_path": str(target),
            "category": "drop",
            "action": "CREATED",
            "matches": "marker,second,elf",
            "count": 3,
            "strings": "$m:8,$a:8,$b:14",
            "tags": "evil,sample",
        }
    ]


def test_files_without_matches_give_no_row(tmp_path: Path, rules: dict[str, str]) -> None:
    target = tmp_path / "clean.txt"
    target.write_text("nothing here\n")
    subscriber = _subscriber(_section(rules), {})
    assert list(subscriber.rows(_event(target))) == []


@pytest.mark.parametrize("action", ["DELETED", "ATTRIBUTES_MODIFIED", "MOVED_FROM", "OPENED"])
def test_only_writes_and_moves_in_are_scanned(
    tmp_path: Path, rules: dict[str, str], action: str
) -> None:
    target = tmp_path / "payload.bin"
    target.write_bytes(b"EVIL-MARKER")
    subscriber = _subscriber(_section(rules), {})
    assert list(subscriber.rows(_event(target, action))) == []
    assert [r["action"] for r in subscriber.rows(_event(target, "MOVED_TO"))] == ["MOVED_TO"]
    assert [r["action"] for r in subscriber.rows(_event(target, "UPDATED"))] == ["UPDATED"]


def test_other_subscribers_categories_are_ignored(tmp_path: Path, rules: dict[str, str]) -> None:
    target = tmp_path / "payload.bin"
    target.write_bytes(b"EVIL-MARKER")
    subscriber = _subscriber(_section(rules), {})
    event = _event(target)
    event["matches"] = (("file_events", "drop", False), ("yara_events", "elsewhere", False))
    assert list(subscriber.rows(event)) == []


def test_a_vanished_file_gives_no_row(tmp_path: Path, rules: dict[str, str]) -> None:
    subscriber = _subscriber(_section(rules), {})
    assert list(subscriber.rows(_event(tmp_path / "gone.bin"))) == []


def test_unknown_groups_are_skipped_and_broken_rules_fail_the_scan(
    tmp_path: Path, rules: dict[str, str]
) -> None:
    target = tmp_path / "payload.bin"
    target.write_bytes(b"EVIL-MARKER")
    scanner = Host().yara
    section = _section(rules)
    columns = scan_columns(scanner, section, ["missing", "evil"], str(target))
    assert columns is not None and columns["matches"] == "marker"
    broken = tmp_path / "rules" / "broken.yar"
    broken.write_text("rule broken { condition: nonsense }\n")
    section["signatures"]["broken"] = [str(broken)]
    assert scan_columns(scanner, section, ["evil", "broken"], str(target)) is None


def test_the_shell_config_falls_back_to_the_installed_yara_section(
    tmp_path: Path, rules: dict[str, str]
) -> None:
    from hostql.events.service import EventsConfig

    set_yara_config(_section(rules))
    subscriber = YaraEventsSubscriber(default_values())
    found = subscriber.path_subscriptions(EventsConfig(file_paths={"drop": (f"{tmp_path}/",)}))
    assert [s.category for s in found] == ["drop"]


class Status:
    """A StatusSink keeping every line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(message)

    def warning(self, message: str) -> None:
        self.lines.append(message)

    def error(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture
def fim(tmp_path: Path, rules: dict[str, str]) -> Iterator[tuple[Engine, Path]]:
    watched = tmp_path / "drop"
    watched.mkdir()
    values = default_values()
    values.set("enable_file_events", True)
    status = Status()
    store = EventStore(MemoryStore(), values, status, daemon=False)
    publisher = InotifyPublisher(values)
    runtime = EventRuntime(values, store, status, [publisher], [YaraEventsSubscriber(values)])
    engine = engine_for(yara_events, flags=values)
    engine.runtime.events = store
    runtime.configure(Config(file_paths={"drop": (f"{watched}/%%",)}, yara=_section(rules)))
    runtime.start()
    assert publisher.wait_applied(5), status.lines
    yield engine, watched
    runtime.stop(timeout=5)
    engine.close()


def test_changed_files_are_scanned_into_rows(fim: tuple[Engine, Path], tmp_path: Path) -> None:
    engine, watched = fim
    (watched / "clean.txt").write_text("nothing\n")
    (watched / "bad.bin").write_bytes(b"EVIL-MARKER")
    outside = tmp_path / "staged.bin"
    outside.write_bytes(b"\x7fELF")
    outside.rename(watched / "moved.bin")
    sql = "select target_path, category, action, matches, count from yara_events"
    deadline = time.monotonic() + 10
    rows = engine.query(sql)
    while not {"UPDATED", "MOVED_TO"} <= {r["action"] for r in rows}:
        assert time.monotonic() < deadline, rows
        time.sleep(0.05)
        rows = engine.query(sql)
    time.sleep(0.3)
    rows = engine.query(sql)
    assert {r["target_path"] for r in rows} == {
        str(watched / "bad.bin"),
        str(watched / "moved.bin"),
    }
    # CREATED is scanned too, but may find the file still empty (then it gives no row).
    bad = {(r["action"], r["matches"]) for r in rows if r["target_path"].endswith("bad.bin")}
    assert ("UPDATED", "marker") in bad
    assert bad <= {("CREATED", "marker"), ("UPDATED", "marker")}
    moved = [r for r in rows if r["target_path"].endswith("moved.bin")]
    assert [(r["action"], r["matches"], r["count"], r["category"]) for r in moved] == [
        ("MOVED_TO", "elf", 1, "drop")
    ]
