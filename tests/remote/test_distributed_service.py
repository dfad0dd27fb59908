"""The distributed service in-process against a scripted endpoint: run, time limit, denylist."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostql.daemon.runtime import Daemon
from hostql.daemon.status import StatusLog
from hostql.flags import default_values
from hostql.remote.distributed import ACCELERATE_KEY, Distributed
from hostql.remote.distributed_work import query_key


class Endpoint:
    """Answers reads from a queue of responses and records every write."""

    def __init__(self) -> None:
        self.reads: list[dict[str, Any]] = []
        self.writes: list[dict[str, Any]] = []
        self.fail_writes = 0

    def post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        if endpoint == "/read":
            return self.reads.pop(0) if self.reads else {}
        if self.fail_writes:
            self.fail_writes -= 1
            raise OSError("connection refused")
        self.writes.append(json.loads(json.dumps(body)))
        return {}


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    config = tmp_path / "hostql.conf"
    config.write_text(json.dumps({"views": {"two": "select 2 as n"}}))
    values = default_values()
    for name, value in {
        "config_path": str(config),
        "database_path": str(tmp_path / "hostql.db"),
        "logger_path": str(tmp_path / "log"),
        "logger_plugin": "filesystem",
        "disable_distributed": False,
        "distributed_tls_read_endpoint": "/read",
        "distributed_tls_write_endpoint": "/write",
        "schedule_query_timeout": 1,
        "distributed_denylist_duration": 3600,
    }.items():
        values.set(name, value)
    daemon = Daemon(values, StatusLog(stream=io.StringIO()))
    daemon.load_config(first=True)
    yield daemon
    daemon.shutdown()


@pytest.fixture
def endpoint() -> Endpoint:
    return Endpoint()


def service(daemon: Daemon, endpoint: Endpoint) -> Distributed:
    return Distributed(daemon, endpoint.post)


def test_queries_run_and_their_results_are_written(daemon: Daemon, endpoint: Endpoint) -> None:
    endpoint.reads.append(
        {
            "queries": {
                "q1": "select 1 as one, 'x' as text",
                "bad": "select * from no_such_table",
                "view": "select n from two",
            }
        }
    )
    assert service(daemon, endpoint).poll_once() == 3
    [write] = endpoint.writes
    assert write["queries"] == {
        "q1": [{"one": "1", "text": "x"}],
        "bad": [],
        "view": [{"n": "2"}],
    }
    assert write["statuses"] == {"q1": 0, "bad": 1, "view": 0}
    assert write["messages"]["bad"] == "no such table: no_such_table"
    assert write["messages"]["q1"] == ""
    assert set(write["stats"]["q1"]) == {"wall_time_ms", "user_time", "system_time", "memory"}
    # Work is removed from the store before it runs, and no mark is left behind.
    assert not list(daemon.store.scan("distributed"))
    assert not list(daemon.store.scan("distributed_running"))


def test_discovery_filters_queries(daemon: Daemon, endpoint: Endpoint) -> None:
    endpoint.reads.append(
        {
            "queries": {"yes": "select 1 as a", "no": "select 2 as a"},
            "discovery": {"yes": "select 1", "no": "select 1 where 0"},
        }
    )
    service(daemon, endpoint).poll_once()
    assert set(endpoint.writes[0]["queries"]) == {"yes"}


def test_a_failing_discovery_query_rejects_the_read(daemon: Daemon, endpoint: Endpoint) -> None:
    endpoint.reads.append(
        {"queries": {"a": "select 1"}, "discovery": {"a": "select * from no_such_table"}}
    )
    assert service(daemon, endpoint).poll_once() == 0
    assert endpoint.writes == []
    assert "discovery query has an SQL error" in daemon.status.stream.getvalue()  # type: ignore[union-attr]


def test_a_slow_query_is_cancelled_by_the_time_limit(daemon: Daemon, endpoint: Endpoint) -> None:
    slow = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    endpoint.reads.append({"queries": {"slow": slow, "fast": "select 1 as a"}})
    began = time.monotonic()
    service(daemon, endpoint).poll_once()
    assert time.monotonic() - began < 10
    [write] = endpoint.writes
    assert write["statuses"] == {"slow": 1, "fast": 0}
    assert "timed out after 1 s" in write["messages"]["slow"]
    assert write["stats"]["slow"]["wall_time_ms"] >= 1000
    assert write["queries"]["fast"] == [{"a": "1"}]
    assert not list(daemon.store.scan("distributed_running"))


def test_a_query_left_running_by_a_crash_is_denylisted(daemon: Daemon, endpoint: Endpoint) -> None:
    sql = "select 1 as a"
    daemon.store.put("distributed_running", query_key(sql), str(int(time.time()) - 10))
    endpoint.reads.append({"queries": {"again": sql, "other": "select 2 as a"}})
    service(daemon, endpoint).poll_once()
    [write] = endpoint.writes
    assert write["statuses"] == {"again": 1, "other": 0}
    assert write["messages"]["again"] == "distributed query is denylisted"
    assert write["queries"]["again"] == [] and write["stats"]["again"] == {}


def test_the_denylist_expires(daemon: Daemon, endpoint: Endpoint) -> None:
    sql = "select 1 as a"
    daemon.store.put("distributed_running", query_key(sql), str(int(time.time()) - 7200))
    endpoint.reads.append({"queries": {"again": sql}})
    service(daemon, endpoint).poll_once()
    assert endpoint.writes[0]["statuses"] == {"again": 0}
    assert not list(daemon.store.scan("distributed_running"))


def test_stored_work_from_before_a_restart_runs(daemon: Daemon, endpoint: Endpoint) -> None:
    daemon.store.put("distributed", "left", "select 3 as a")
    service(daemon, endpoint).poll_once()
    assert endpoint.writes[0]["queries"] == {"left": [{"a": "3"}]}


def test_a_failed_write_is_retried_on_the_next_poll(daemon: Daemon, endpoint: Endpoint) -> None:
    endpoint.fail_writes = 1
    endpoint.reads.append({"queries": {"a": "select 1 as a"}})
    distributed = service(daemon, endpoint)
    distributed.poll_once()
    assert endpoint.writes == []
    distributed.poll_once()
    assert endpoint.writes[0]["queries"] == {"a": [{"a": "1"}]}
    distributed.poll_once()
    assert len(endpoint.writes) == 1


def test_accelerate_shortens_the_poll_interval(daemon: Daemon, endpoint: Endpoint) -> None:
    distributed = service(daemon, endpoint)
    assert distributed.next_delay() == 60
    endpoint.reads.append({"accelerate": 120})
    distributed.poll_once()
    assert distributed.next_delay() == 5
    expiry = int(daemon.store.get("configurations", ACCELERATE_KEY) or 0)
    assert 110 <= expiry - time.time() <= 120


def test_the_thread_polls_until_stopped(daemon: Daemon, endpoint: Endpoint) -> None:
    endpoint.reads.append({"queries": {"a": "select 1 as a"}})
    distributed = service(daemon, endpoint)
    distributed.start()
    deadline = time.monotonic() + 10
    while not endpoint.writes and time.monotonic() < deadline:
        time.sleep(0.05)
    distributed.stop()
    assert endpoint.writes[0]["queries"] == {"a": [{"a": "1"}]}


class QueuePlugin:
    """A distributed plugin as an entry point provides it: get_queries / write_results."""

    def __init__(self) -> None:
        self.written: list[tuple[dict, dict]] = []

    def get_queries(self) -> dict:
        return {"queries": {"p1": "select 7 as seven"}}

    def write_results(self, results: dict, statuses: dict) -> None:
        self.written.append((results, statuses))


def test_an_entry_point_distributed_plugin_is_driven_by_the_service(daemon: Daemon) -> None:
    from types import SimpleNamespace

    from hostql.remote.distributed import plugin_post

    plugin = QueuePlugin()
    daemon.plugins = SimpleNamespace(  # type: ignore[assignment]
        distributed_plugins=lambda builtin: {"queue": lambda values: plugin}
    )
    assert Distributed(daemon, plugin_post(daemon, "queue")).poll_once() == 1
    assert plugin.written == [({"p1": [{"seven": "7"}]}, {"p1": 0})]
    with pytest.raises(ValueError, match="Distributed plugin missing is not available"):
        plugin_post(daemon, "missing")
