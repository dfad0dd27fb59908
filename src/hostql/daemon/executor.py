"""One scheduled run: time limit, statistics, escaping, differential or snapshot, log lines."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hostql.daemon.diff import StoredResult, differential
from hostql.daemon.records import (
    ResultMeta,
    escape_row,
    result_batch_line,
    result_event_lines,
    snapshot_lines,
)
from hostql.errors import SqlError

if TYPE_CHECKING:
    from hostql.daemon.config.model import ScheduledQuery
    from hostql.daemon.delivery import Delivery
    from hostql.daemon.state import BackingStore
    from hostql.daemon.status import StatusLog
    from hostql.flags import FlagValues
    from hostql.sql.engine import Engine

# How many SQLite VM steps pass between two checks of the time limit.
_PROGRESS_STEPS = 1000


class RunResult:
    """What one run did, for callers and tests."""

    __slots__ = ("error", "lines", "rows", "timed_out")

    def __init__(self) -> None:
        self.rows = 0
        self.lines = 0
        self.error = ""
        self.timed_out = False


class QueryRunner:
    """Runs scheduled queries on one engine and hands their result lines to delivery."""

    def __init__(
        self,
        engine: Engine,
        store: BackingStore,
        values: FlagValues,
        status: StatusLog,
        delivery: Delivery,
        host_identifier: Callable[[], str],
        decorations: Callable[[], Mapping[str, str]],
    ) -> None:
        self.engine = engine
        self.store = store
        self.values = values
        self.status = status
        self.delivery = delivery
        self.host_identifier = host_identifier
        self.decorations = decorations
        # True once the watchdog signalled a resource limit: the running query's name must
        # stay recorded so that the next worker denylists it.
        self.keep_mark: Callable[[], bool] = lambda: False

    def execute_limited(self, sql: str, limit: float) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run sql, cancelling it (TimeoutError) once it has run for limit seconds (0: never)."""
        connection = self.engine.connection
        if limit <= 0:
            result = self.engine.execute(sql)
            return result.columns, result.rows
        deadline = time.monotonic() + limit
        expired = [False]

        def check() -> bool:
            if time.monotonic() > deadline:
                expired[0] = True
                return True
            return False

        connection.set_progress_handler(check, _PROGRESS_STEPS)
        try:
            result = self.engine.execute(sql)
        except SqlError:
            if expired[0]:
                raise TimeoutError(sql) from None
            raise
        finally:
            connection.set_progress_handler(None)
        return result.columns, result.rows

    def run(self, query: ScheduledQuery, now: int | None = None) -> RunResult:
        """Run one scheduled query and log its results; failures become status logs."""
        now = int(time.time()) if now is None else now
        outcome = RunResult()
        self.store.record_query_start(query.name, now)
        started = time.monotonic()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        limit = float(self.values["schedule_query_timeout"])
        rows: list[dict[str, Any]] = []
        evented = False
        events = self.engine.runtime.events
        try:
            # Evented tables give a scheduled query only the events it has not read; the
            # marks are kept only if the run succeeds, so a failed run reads them again.
            reader = events.reading_as(query.name) if events is not None else nullcontext()
            with reader as reading:
                columns, raw = self.execute_limited(query.query, limit)
            evented = bool(getattr(reading, "evented", False)) and bool(
                self.values["events_optimize"]
            )
            nullvalue = self.values["nullvalue"]
            rows = [escape_row(dict(zip(columns, row, strict=True)), nullvalue) for row in raw]
        except TimeoutError:
            outcome.timed_out = True
            outcome.error = f"timed out after {limit:g} s"
            self.status.error(
                f"Scheduled query {query.name} was cancelled: it ran longer than the "
                f"{limit:g} s limit (--schedule_query_timeout)"
            )
        except SqlError as exc:
            outcome.error = str(exc)
            self.status.error(f"Error executing scheduled query {query.name}: {exc}")
        if not outcome.error:
            outcome.rows = len(rows)
            outcome.lines = self._log(query, rows, now, evented)
        self._record(query.name, started, usage, outcome, now)
        if not self.keep_mark():
            self.store.clear_executing_query()
        return outcome

    def _meta(self, name: str, now: int, epoch: int, counter: int) -> ResultMeta:
        return ResultMeta(
            name=name,
            host_identifier=self.host_identifier(),
            unix_time=now,
            epoch=epoch,
            counter=counter,
            numerics=bool(self.values["logger_numerics"]),
            decorations=dict(self.decorations()),
            decorations_top_level=bool(self.values["decorations_top_level"]),
        )

    def _log(
        self, query: ScheduledQuery, rows: list[dict[str, Any]], now: int, evented: bool
    ) -> int:
        epoch = int(self.values["schedule_epoch"])
        if query.snapshot:
            meta = self._meta(query.name, now, epoch, 0)
            lines = snapshot_lines(meta, rows, bool(self.values["logger_snapshot_event_type"]))
            self.delivery.snapshots(lines)
            return len(lines)
        stored = self.store.previous_results(query.name)
        previous = None
        if stored.rows is not None:
            previous = StoredResult(
                stored.rows, stored.epoch or 0, stored.counter or 0, stored.sql or query.query
            )
        decision = differential(
            previous,
            rows,
            sql=query.query,
            epoch=epoch,
            removed_enabled=query.removed,
            event_query=evented,
        )
        if decision.first_run:
            self.status.info(f"Storing initial results for new scheduled query: {query.name}")
        elif decision.new_epoch:
            self.status.info(f"New Epoch {epoch} for scheduled query {query.name}")
        if decision.query_updated:
            self.status.info(f"Scheduled query has been updated: {query.name}")
            self.store.save_query_sql(query.name, query.query)
        lines: list[str] = []
        if decision.log:
            meta = self._meta(query.name, now, epoch, decision.counter)
            if self.values["logger_event_type"]:
                lines = result_event_lines(meta, decision.added, decision.removed)
            else:
                lines = [result_batch_line(meta, decision.added, decision.removed)]
            # Lines are queued before the new state is stored: a crash in between repeats
            # them on the next run (at least once) instead of losing them.
            self.delivery.results(lines)
        if decision.state is not None:
            state = decision.state
            self.store.save_results(
                query.name, state.rows, epoch=state.epoch, counter=state.counter
            )
            if previous is None:
                self.store.save_query_sql(query.name, query.query)
        return len(lines)

    def _record(self, name: str, started: float, usage: Any, outcome: RunResult, now: int) -> None:
        wall_ms = int((time.monotonic() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_SELF)
        user_ms = int((after.ru_utime - usage.ru_utime) * 1000)
        system_ms = int((after.ru_stime - usage.ru_stime) * 1000)
        try:
            resident = (self.engine.host.procfs.status(os.getpid()).resident_kb or 0) * 1024
        except OSError:
            resident = 0
        stats = self.store.performance(name)
        executions = stats.executions + 1
        average = (stats.average_memory * stats.executions + resident) // executions
        self.store.save_performance(
            name,
            replace(
                stats,
                executions=executions,
                last_executed=now,
                wall_time=stats.wall_time + wall_ms // 1000,
                wall_time_ms=stats.wall_time_ms + wall_ms,
                last_wall_time_ms=wall_ms,
                user_time=stats.user_time + user_ms,
                last_user_time=user_ms,
                system_time=stats.system_time + system_ms,
                last_system_time=system_ms,
                average_memory=average,
                last_memory=resident,
                output_size=stats.output_size + outcome.lines,
                timeouts=stats.timeouts + int(outcome.timed_out),
            ),
        )
