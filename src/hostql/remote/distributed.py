"""Distributed queries over osquery's TLS API: read, discovery, run under the time limit, write."""

from __future__ import annotations

import contextlib
import os
import resource
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hostql.daemon.executor import QueryRunner
from hostql.errors import SqlError
from hostql.remote.distributed_work import (
    QueryOutcome,
    QueryStats,
    RunningMarks,
    WorkError,
    parse_work,
    poll_delay,
    result_rows,
    run_discovery,
    wanted_queries,
    write_body,
)

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon
    from hostql.daemon.state import BackingStore
    from hostql.daemon.status import StatusLog
    from hostql.sql.engine import Engine

ACCELERATE_KEY = "distributed_accelerate_checkins_expire"
DENYLISTED_MESSAGE = "distributed query is denylisted"
# osquery reports its own status code (1 for every failure), not SQLite's.
FAILURE_STATUS = 1
_DIED = "it was running when hostqld last stopped"

Post = Callable[[str, dict[str, Any]], dict[str, Any]]
"""POSTs a JSON body to an endpoint and returns the JSON response (raises on failure)."""

_current = threading.local()


def current_request_id() -> str:
    """The id of the distributed query running on this thread ('' outside one)."""
    return str(getattr(_current, "request_id", ""))


def _thread_times() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime, usage.ru_stime


class Distributed:
    """Polls the read endpoint, runs what it gets on its own engine, posts the results."""

    name = "distributed"

    def __init__(self, daemon: Daemon, post: Post) -> None:
        self.daemon = daemon
        self.post = post
        self.values = daemon.values
        self.store: BackingStore = daemon.store
        self.status: StatusLog = daemon.status
        self.marks = RunningMarks(self.store, int(self.values["distributed_denylist_duration"]))
        self.pending: list[QueryOutcome] = []
        self._engine: Engine | None = None
        self._runner: QueryRunner | None = None
        self._views: dict[str, str] = {}
        self._views_hash: str | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def runner(self) -> QueryRunner:
        """The time-limited executor over this service's engine (created on first use)."""
        if self._runner is None:
            from hostql.sql.engine import Engine

            # The scheduler thread owns daemon.engine's connection: this thread gets its own,
            # over the same tables (extensions' included), host and runtime.
            daemon, owner = self.daemon, self.daemon.engine
            self._engine = Engine(
                flags=self.values, host=owner.host, tables=owner.tables, runtime=daemon.runtime
            )
            self._runner = QueryRunner(
                self._engine,
                self.store,
                self.values,
                self.status,
                daemon.delivery,
                daemon.identity,
                dict,
            )
        self._engine.refresh_tables()  # type: ignore[union-attr]
        self._sync_views()
        return self._runner

    def _sync_views(self) -> None:
        config = self.daemon.config
        if self._engine is None or config.hash == self._views_hash:
            return
        for name in self._views:
            with contextlib.suppress(SqlError):
                self._engine.execute(f'DROP VIEW IF EXISTS "{name}"')
        self._views = {}
        for name, sql in config.views.items():
            # The scheduler already warned about a view that does not compile.
            with contextlib.suppress(SqlError):
                self._engine.execute(f'CREATE VIEW "{name}" AS {sql}')
                self._views[name] = sql
        self._views_hash = config.hash

    # -- the cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Poll on a thread of its own until stop()."""
        kept = self.marks.purge_expired(time.time())
        if kept:
            self.status.warning(f"{kept} distributed queries are denylisted: {_DIED}")
        self._thread = threading.Thread(target=self._loop, name="hostql-distributed", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # the service must outlive any one bad cycle
                self.status.error(f"Distributed query cycle failed: {type(exc).__name__}: {exc}")
            self._stopping.wait(self.next_delay())

    def next_delay(self) -> int:
        """Seconds until the next read."""
        until = self.store.get("configurations", ACCELERATE_KEY)
        return poll_delay(time.time(), until, int(self.values["distributed_interval"]))

    def poll_once(self) -> int:
        """One read, run and write; the number of queries run."""
        self.read()
        count = self.run_pending()
        self.flush()
        return count

    def read(self) -> None:
        """Ask for work and store the queries that pass discovery."""
        try:
            response = self.post(self.values["distributed_tls_read_endpoint"], {})
        except Exception as exc:  # transport failures are reported, the next poll retries
            self.status.warning(f"Distributed read failed: {exc}")
            return
        try:
            work = parse_work(response)
            discovered = run_discovery(work.discovery, self._has_rows)
        except WorkError as exc:
            self.status.warning(f"Distributed read rejected: {exc}")
            return
        wanted = wanted_queries(work, discovered)
        if wanted:
            self.store.put_many("distributed", wanted)
        if work.accelerate is not None:
            self.status.info(
                f"Accelerating distributed query checkins for {work.accelerate} seconds"
            )
            expiry = str(int(time.time()) + work.accelerate)
            self.store.put("configurations", ACCELERATE_KEY, expiry)

    def _has_rows(self, sql: str) -> bool:
        limit = float(self.values["schedule_query_timeout"])
        return bool(self.runner.execute_limited(sql, limit)[1])

    def run_pending(self) -> int:
        """Run every stored query (removing each first); outcomes wait in self.pending."""
        count = 0
        for request_id, sql in self.store.scan("distributed"):
            if self._stopping.is_set():
                break
            with self.store.transaction():
                self.store.delete("distributed", request_id)
                denylisted = self.marks.check_and_set(sql, time.time())
            if denylisted:
                self.status.warning(f"Distributed query {request_id} is denylisted: {_DIED}")
                self.pending.append(
                    QueryOutcome(request_id, [], FAILURE_STATUS, DENYLISTED_MESSAGE)
                )
                continue
            outcome = self.run_query(request_id, sql)
            self.marks.clear(sql)
            if outcome is not None:
                self.pending.append(outcome)
                count += 1
        return count

    def run_query(self, request_id: str, sql: str) -> QueryOutcome | None:
        """Run one query under the time limit (None if stop() interrupted it)."""
        if self.values["distributed_loginfo"]:
            self.status.info(f"Executing distributed query: {request_id}: {sql}")
        limit = float(self.values["schedule_query_timeout"])
        runner = self.runner
        procfs = runner.engine.host.procfs
        memory_before = self._resident(procfs)
        user_before, system_before = _thread_times()
        started = time.monotonic()
        _current.request_id = request_id
        rows: list[dict[str, str]] = []
        status, message = 0, ""
        try:
            columns, raw = runner.execute_limited(sql, limit)
            rows = result_rows(columns, raw, self.values["nullvalue"])
        except TimeoutError:
            status = FAILURE_STATUS
            message = f"distributed query timed out after {limit:g} s (--schedule_query_timeout)"
            self.status.error(
                f"Distributed query {request_id} was cancelled: it ran longer than the "
                f"{limit:g} s limit (--schedule_query_timeout)"
            )
        except SqlError as exc:
            if self._stopping.is_set():
                return None
            status, message = FAILURE_STATUS, str(exc)
            self.status.error(f"Error executing distributed query: {request_id}: {exc}")
        finally:
            _current.request_id = ""
        user_after, system_after = _thread_times()
        stats = QueryStats(
            wall_time_ms=int((time.monotonic() - started) * 1000),
            user_time=int((user_after - user_before) * 1000),
            system_time=int((system_after - system_before) * 1000),
            memory=max(0, self._resident(procfs) - memory_before),
        )
        return QueryOutcome(request_id, rows, status, message, stats)

    @staticmethod
    def _resident(procfs: Any) -> int:
        try:
            return int(procfs.status(os.getpid()).resident_kb or 0) * 1024
        except OSError:
            return 0

    def flush(self) -> bool:
        """Post the finished outcomes in one write; kept for the next poll if it fails."""
        if not self.pending:
            return True
        outcomes = list(self.pending)
        try:
            self.post(self.values["distributed_tls_write_endpoint"], write_body(outcomes))
        except Exception as exc:  # transport failures are reported, the next poll retries
            self.status.warning(f"Distributed write failed: {exc}")
            return False
        del self.pending[: len(outcomes)]
        return True

    # -- service --------------------------------------------------------------------------

    def step(self, now: float) -> None:
        """Nothing to do on the daemon's loop: the service polls on its own thread."""

    def stop(self) -> None:
        """Interrupt a running query and wait for the thread."""
        self._stopping.set()
        engine = self._engine
        if engine is not None:
            with contextlib.suppress(Exception):
                engine.connection.interrupt()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if engine is not None and (self._thread is None or not self._thread.is_alive()):
            engine.close()


def start(daemon: Daemon) -> Distributed:
    """The distributed service for --disable_distributed=false (--distributed_plugin=tls)."""
    plugin = daemon.values["distributed_plugin"]
    if plugin != "tls":
        service = Distributed(daemon, plugin_post(daemon, plugin))
        service.start()
        return service
    for flag in ("distributed_tls_read_endpoint", "distributed_tls_write_endpoint"):
        if not daemon.values[flag]:
            raise ValueError(f"--{flag} is empty")
    service = Distributed(
        daemon, tls_post(daemon, int(daemon.values["distributed_tls_max_attempts"]))
    )
    service.start()
    return service


def plugin_post(daemon: Daemon, name: str) -> Post:
    """The service's post() over an entry-point distributed plugin: a body carrying results
    is a write (write_results(queries, statuses)); anything else reads (get_queries())."""
    plugins = getattr(daemon, "plugins", None)
    factory = None if plugins is None else plugins.distributed_plugins(("tls",)).get(name)
    plugin = None if factory is None else factory(daemon.values)
    if plugin is None:
        raise ValueError(f"Distributed plugin {name} is not available")

    def post(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        if "queries" in body or "statuses" in body:
            plugin.write_results(body.get("queries", {}), body.get("statuses", {}))
            return {}
        work = dict(plugin.get_queries())
        # {name: SQL}, or the TLS read response's shape with "queries" and "discovery".
        return work if isinstance(work.get("queries"), dict) else {"queries": work}

    return post


def tls_post(daemon: Daemon, attempts: int) -> Post:
    """POST with the node key over the daemon's TLS client, tried `attempts` times (i² s apart)."""
    from hostql.remote.enroll import remote_client
    from hostql.remote.transport import TransportError

    client = remote_client(daemon)

    def post(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(1, max(1, attempts) + 1):
            try:
                return dict(client.post(endpoint, body))
            except TransportError:
                if attempt >= attempts or daemon.stop_requested.wait(attempt * attempt):
                    raise
        raise AssertionError("unreachable")

    return post
