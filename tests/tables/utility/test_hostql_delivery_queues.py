"""hostql_delivery_queues: the daemon's spools through Runtime.delivery_queues."""

from __future__ import annotations

from hostql.daemon.state import BackingStore
from hostql.daemon.status import StatusLog
from hostql.registry import TableRegistry
from hostql.remote.spool import Spool, attach_runtime
from hostql.sql.context import Runtime
from hostql.sql.engine import Engine
from hostql.tables.utility.hostql_delivery_queues import hostql_delivery_queues


class RuntimeWithQueues(Runtime):
    """Runtime plus the slot the daemon's Runtime is to gain (delivery_queues)."""

    __slots__ = ("delivery_queues",)


def engine(runtime: Runtime) -> Engine:
    registry = TableRegistry()
    registry.add(hostql_delivery_queues)
    return Engine(tables=registry, runtime=runtime)


def test_one_row_per_spool_with_its_figures() -> None:
    runtime = RuntimeWithQueues()
    attach_runtime(runtime)
    status = StatusLog(to_stderr=False)
    spool = Spool(BackingStore.in_memory(), "table_sink", max_lines=2, max_bytes=0, status=status)
    spool.append(["a", "bb", "ccc"])
    spool.set_error("POST https://x/log: HTTP 500")
    rows = engine(runtime).query("select * from hostql_delivery_queues where sink = 'table_sink'")
    assert rows == [
        {
            "sink": "table_sink",
            "queued_lines": 2,
            "queued_bytes": 5,
            "oldest_age": rows[0]["oldest_age"],
            "dropped": 1,
            "last_error": "POST https://x/log: HTTP 500",
            "max_lines": 2,
            "max_bytes": 0,
        }
    ]
    assert 0 <= rows[0]["oldest_age"] <= 5


def test_empty_outside_the_daemon() -> None:
    runtime = Runtime()
    attach_runtime(runtime)  # no slot yet: nothing to attach, and no error
    assert engine(runtime).query("select * from hostql_delivery_queues") == []
