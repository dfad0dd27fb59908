"""The daemon loop in-process: differential runs, snapshots, timeouts, reload, denylist."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hostql.daemon.config.model import ScheduledQuery
from hostql.daemon.runtime import Daemon
from hostql.daemon.status import StatusLog
from hostql.flags import FlagValues, default_values


def make_values(tmp_path: Path, config: dict, **flags: object) -> FlagValues:
    path = tmp_path / "hostql.conf"
    path.write_text(json.dumps(config))
    values = default_values()
    settings = {
        "config_path": str(path),
        "database_path": str(tmp_path / "db" / "hostql.db"),
        "logger_path": str(tmp_path / "log"),
        "logger_plugin": "filesystem",
        "disable_watchdog": True,
        "disable_extensions": True,
        "schedule_splay_percent": 10,
        **flags,
    }
    for name, value in settings.items():
        values.set(name, value)
    return values


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    directory = tmp_path / "watched"
    directory.mkdir()
    (directory / "a").write_text("a")
    return directory


def results(tmp_path: Path) -> list[dict]:
    text = (tmp_path / "log" / "osqueryd.results.log").read_text()
    return [json.loads(line) for line in text.splitlines()]


def start(values: FlagValues) -> Daemon:
    daemon = Daemon(values, StatusLog(stream=io.StringIO()))
    daemon.load_config(first=True)
    return daemon


def test_differential_runs_log_added_then_removed(tmp_path: Path, watched: Path) -> None:
    query = f"select filename from file where directory = '{watched}'"
    values = make_values(tmp_path, {"schedule": {"files": {"query": query, "interval": 10}}})
    daemon = start(values)
    [scheduled] = daemon.schedule
    daemon.runner.run(scheduled, now=1000)
    (watched / "b").write_text("b")
    (watched / "a").unlink()
    daemon.runner.run(scheduled, now=1010)
    daemon.runner.run(scheduled, now=1020)  # unchanged: nothing logged
    daemon.delivery.wait()
    lines = results(tmp_path)
    assert [(r["action"], r["columns"]["filename"], r["counter"]) for r in lines] == [
        ("added", "a", 0),
        ("removed", "a", 1),
        ("added", "b", 1),
    ]
    assert lines[0]["name"] == "files" and lines[0]["epoch"] == 0
    daemon.shutdown()
    # The state survives a restart: the next run diffs against the stored rows.
    daemon = start(values)
    (watched / "c").write_text("c")
    daemon.runner.run(daemon.schedule[0], now=1030)
    daemon.delivery.wait()
    assert [(r["action"], r["columns"]["filename"], r["counter"]) for r in results(tmp_path)][
        -1
    ] == ("added", "c", 2)
    daemon.shutdown()


def test_snapshot_and_batch_formats(tmp_path: Path) -> None:
    config = {
        "schedule": {
            "snap": {"query": "select 1 as one, 'x' as two", "interval": 10, "snapshot": True},
            "batch": {"query": "select 2 as n", "interval": 10},
        }
    }
    daemon = start(make_values(tmp_path, config, logger_event_type=False, logger_numerics=True))
    for query in daemon.schedule:
        daemon.runner.run(query, now=1000)
    daemon.delivery.wait()
    daemon.shutdown()
    snapshot = json.loads((tmp_path / "log" / "osqueryd.snapshots.log").read_text())
    assert snapshot["snapshot"] == [{"one": 1, "two": "x"}] and snapshot["numerics"] is True
    [batch] = results(tmp_path)
    assert batch["diffResults"] == {"removed": [], "added": [{"n": 2}]}


def test_slow_query_is_cancelled_and_counted(tmp_path: Path) -> None:
    slow = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    config = {
        "schedule": {
            "slow": {"query": slow, "interval": 10},
            "fast": {"query": "select 1 as ok", "interval": 10},
        }
    }
    daemon = start(make_values(tmp_path, config, schedule_query_timeout=1))
    outcomes = {q.name: daemon.runner.run(q, now=1000) for q in daemon.schedule}
    assert outcomes["slow"].timed_out and not outcomes["fast"].error
    daemon._refresh_schedule_rows()
    rows = daemon.engine.query(
        "select name, executions, timeouts from osquery_schedule order by name"
    )
    assert rows == [
        {"name": "fast", "executions": 1, "timeouts": 0},
        {"name": "slow", "executions": 1, "timeouts": 1},
    ]
    assert daemon.store.executing_query() == ""
    daemon.shutdown()


def test_bad_refresh_keeps_the_last_good_config(tmp_path: Path) -> None:
    values = make_values(tmp_path, {"schedule": {"one": {"query": "select 1", "interval": 5}}})
    daemon = start(values)
    Path(values["config_path"]).write_text("{ not json")
    assert daemon.load_config(first=False) is False
    assert [q.name for q in daemon.schedule] == ["one"]
    assert daemon.refresh_failed
    daemon.shutdown()


def test_decorations_and_splay_are_persisted(tmp_path: Path) -> None:
    config = {
        "schedule": {"q": {"query": "select 1 as n", "interval": 100}},
        "decorators": {"load": ["select 'web01' as role"]},
    }
    values = make_values(tmp_path, config)
    daemon = start(values)
    splayed = daemon.splayed["q"]
    assert 90 <= splayed <= 110
    daemon.runner.run(daemon.schedule[0], now=1000)
    daemon.delivery.wait()
    daemon.shutdown()
    assert results(tmp_path)[0]["decorations"] == {"role": "web01"}
    assert start(values).splayed["q"] == splayed


def test_crashed_query_is_denylisted_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = make_values(tmp_path, {"schedule": {"q": {"query": "select 1", "interval": 1}}})
    daemon = start(values)
    daemon.store.record_query_start("q", 1000)
    daemon.shutdown()
    monkeypatch.setenv("HOSTQL_WORKER", "1")
    daemon = start(values)
    daemon.denylist_crashed_query()
    assert "q" in daemon.store.denylist(2000)
    assert daemon.run_due(step=0, first_step=False) == 0
    daemon._refresh_schedule_rows()
    assert daemon.engine.query("select denylisted from osquery_schedule") == [{"denylisted": 1}]
    daemon.shutdown()


def test_due_queries_run_on_their_step(tmp_path: Path) -> None:
    daemon = start(
        make_values(
            tmp_path,
            {"schedule": {"q": {"query": "select 1", "interval": 7}}},
            schedule_splay_percent=100,
        )
    )
    daemon.splayed = {"q": 7}
    assert daemon.run_due(step=14, first_step=False) == 1
    assert daemon.run_due(step=15, first_step=False) == 0
    assert isinstance(daemon.schedule[0], ScheduledQuery)
    daemon.shutdown()
