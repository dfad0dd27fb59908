"""The daemon: config -> schedule -> engine -> diff -> loggers, one step a second."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

from hostql.daemon import scheduler
from hostql.daemon.config.model import Config, ScheduledQuery
from hostql.daemon.delivery import Delivery
from hostql.daemon.executor import QueryRunner
from hostql.daemon.identity import HostIdentity
from hostql.daemon.plugin_setup import (
    build_daemon_loggers,
    expects_extensions,
    load_plugins,
    record_plugins,
)
from hostql.daemon.services import Service, start_services
from hostql.daemon.state import BackingStore
from hostql.errors import ConfigError, HostqlError, SqlError
from hostql.sql.context import Runtime
from hostql.sql.engine import Engine

if TYPE_CHECKING:
    from hostql.daemon.status import StatusLog
    from hostql.flags import FlagValues

# The osquery release whose behaviour hostql implements: pack "version" gates compare to it.
OSQUERY_VERSION = "5.23.0"


class Daemon:
    """One worker: loads the config, runs the schedule, delivers results until stopped."""

    def __init__(
        self, values: FlagValues, status: StatusLog, *, config_base_dir: str | None = None
    ) -> None:
        from hostql import __version__

        self.values = values
        self.status = status
        self.config_base_dir = config_base_dir
        self.stop_requested = threading.Event()
        self.reload_requested = False
        self.resource_limit_hit = False
        self.store = BackingStore.from_flags(values)
        for message in self.store.errors:
            status.error(message)
        self.runtime = Runtime()
        self.runtime.watcher = int(os.environ.get("HOSTQL_WORKER", "-1") or -1)
        self.engine = Engine(flags=values, runtime=self.runtime)
        self.identity = HostIdentity(values, self.store, self.engine.host)
        status.host_identifier = self.identity
        status.version = __version__
        self.plugins = load_plugins(self)
        names = "" if values["disable_logging"] else values["logger_plugin"]
        loggers = build_daemon_loggers(self, names)
        record_plugins(self, loggers)
        self.delivery = Delivery(loggers, max_pending_lines=int(values["buffered_log_max"]))
        self.decorations: dict[str, str] = {}
        self._decoration_sets: dict[str, dict[str, str]] = {}
        self.runner = QueryRunner(
            self.engine,
            self.store,
            values,
            status,
            self.delivery,
            self.identity,
            lambda: self.decorations,
        )
        self.runner.keep_mark = lambda: self.resource_limit_hit
        self.config = Config()
        self.schedule: list[ScheduledQuery] = []
        self.splayed: dict[str, int] = {}
        self.rng = random.Random()
        self.refresh_failed = False
        self.services: list[Service] = []
        self._denylist: dict[str, int] | None = None
        self._alarm: threading.Timer | None = None

    # -- config ---------------------------------------------------------------------------

    def read_config(self) -> Config:
        """Read and parse the config the flags name (ConfigError if it is bad)."""
        from hostql.daemon.config.sources import load_filesystem_config

        plugin = self.values["config_plugin"]
        if plugin == "tls":
            # The TLS config plugin (remote management) provides read_config(daemon) -> Config.
            try:
                from hostql.remote.tls_config import read_config
            except ModuleNotFoundError:
                raise ConfigError("Config plugin tls is not available in this build") from None
            return read_config(self)
        if plugin != "filesystem":
            return self._read_plugin_config(plugin)
        return load_filesystem_config(
            self.values["config_path"],
            schedule_default_interval=int(self.values["schedule_default_interval"]),
            base_dir=self.config_base_dir,
        )

    def _read_plugin_config(self, name: str) -> Config:
        """The config an entry-point config plugin returns (source name -> JSON text)."""
        from hostql.daemon.config.model import ConfigSource
        from hostql.daemon.config.parse import parse_sources
        from hostql.daemon.config.sources import FilesystemPacks

        found = self.plugins.config_plugins(("filesystem", "tls")).get(name)
        if found is None and expects_extensions(self.values):
            # A Thrift extension's config plugin (waits --extensions_timeout for it).
            from hostql.extensions.config import extension_config

            source = extension_config(self, name)
            return parse_sources(
                [ConfigSource(n, t) for n, t in source.generate()],
                resolve_pack=source.pack,
                schedule_default_interval=int(self.values["schedule_default_interval"]),
            )
        if found is None:
            raise ConfigError(f"Config plugin {name} is not available")
        label, reader = found
        try:
            sources = [ConfigSource(str(k), str(v)) for k, v in dict(reader(self.values)).items()]
        except Exception as exc:  # the plugin's failure is a config error, as a bad file is
            message = " ".join(str(exc).split())
            raise ConfigError(
                f"Config plugin {name} (plugin {label}) failed: {type(exc).__name__}: {message}"
            ) from None
        packs = FilesystemPacks(self.config_base_dir)
        return parse_sources(
            sources,
            resolve_pack=packs.read,
            glob_packs=packs.glob,
            schedule_default_interval=int(self.values["schedule_default_interval"]),
        )

    def apply_config(self, config: Config) -> None:
        """Make config the running one: options, views, decorators, schedule, splay."""
        from hostql.daemon.config.options import apply_options
        from hostql.daemon.config.packs import DiscoveryCache, expand_schedule

        for warning in (*config.warnings, *apply_options(config.options, self.values)):
            self.status.warning(warning)
        self._create_views(config)
        self.config = config
        self.runtime.config_hash = config.hash
        self.runtime.config_valid = True
        self._decoration_sets = {}
        self._decorate("load", config.decorators.load)
        cache = DiscoveryCache(float(self.values["pack_refresh_interval"]))
        self.schedule = expand_schedule(
            config,
            hostname=self.engine.host.identity.hostname(),
            sdk_version=OSQUERY_VERSION,
            run_discovery=self._discovery,
            delimiter=self.values["pack_delimiter"],
            discovery_cache=cache,
        )
        self.runtime.packs = [
            {
                "name": pack.name,
                "platform": pack.platform,
                "version": pack.version,
                "shard": pack.shard,
                "discovery_cache_hits": cache.stats(pack).hits,
                "discovery_executions": cache.stats(pack).total,
                "active": int(any(q.pack == pack.name for q in self.schedule)),
            }
            for pack in config.packs
        ]
        percent = int(self.values["schedule_splay_percent"])
        self.splayed = {}
        for query in self.schedule:
            splayed = self.store.splayed_interval(query.name, query.interval)
            if splayed is None:
                splayed = scheduler.splayed_interval(query.interval, percent, self.rng)
                self.store.save_splayed_interval(query.name, query.interval, splayed)
            self.splayed[query.name] = splayed
        self._refresh_schedule_rows()

    def load_config(self, *, first: bool) -> bool:
        """Load the config; on a refresh failure keep the last good one (ERROR status log)."""
        try:
            config = self.read_config()
        except HostqlError as exc:
            if first and self.values["config_plugin"] != "tls":
                raise
            if first:
                # A fleet host must not die because its server is down: run without a
                # schedule and retry on the accelerated refresh period.
                self.status.error(
                    f"Error reading config: {exc}; retrying every "
                    f"{self.values['config_accelerated_refresh']} s"
                )
                self.refresh_failed = True
                return False
            self.status.error(f"Error reading config: {exc}; keeping the last good config")
            self.refresh_failed = True
            return False
        self.apply_config(config)
        self.refresh_failed = False
        return True

    def _create_views(self, config: Config) -> None:
        for name in self.config.views:
            with contextlib.suppress(SqlError):
                self.engine.execute(f'DROP VIEW IF EXISTS "{name}"')
        for name, sql in config.views.items():
            try:
                self.engine.execute(f'CREATE VIEW "{name}" AS {sql}')
            except SqlError as exc:
                self.status.warning(f"Error creating view {name}: {exc}")

    def _discovery(self, sql: str) -> bool:
        try:
            return bool(self.engine.execute(sql).rows)
        except SqlError as exc:
            self.status.warning(f"Discovery query failed ({sql}): {exc}")
            return False

    def _decorate(self, kind: str, queries: tuple[str, ...] | list[str]) -> None:
        """Run decorator queries: the first row's columns become decorations."""
        found: dict[str, str] = {}
        for sql in queries:
            try:
                result = self.engine.execute(sql)
            except SqlError as exc:
                self.status.warning(f"Error running decorator query ({sql}): {exc}")
                continue
            if len(result.rows) > 1:
                self.status.warning(f"Multiple rows returned for decorator query: {sql}")
            if result.rows:
                for column, value in zip(result.columns, result.rows[0], strict=True):
                    found[column] = "" if value is None else str(value)
        self._decoration_sets[kind] = found
        merged: dict[str, str] = {}
        for values in self._decoration_sets.values():
            merged.update(values)
        self.decorations = dict(sorted(merged.items()))

    # -- schedule -------------------------------------------------------------------------

    def _refresh_schedule_rows(self) -> None:
        now = int(time.time())
        denylist = self.denylist(now)
        rows: list[dict[str, Any]] = []
        for query in self.schedule:
            stats = self.store.performance(query.name)
            row = {name: getattr(stats, name) for name in stats.__dataclass_fields__}
            row.update(
                name=query.name,
                query=query.query,
                interval=query.interval,
                denylisted=int(query.name in denylist and query.denylist),
            )
            rows.append(row)
        self.runtime.schedule = rows

    def denylist(self, now: int) -> dict[str, int]:
        """The live denylist; read from the store once, since only this daemon writes it."""
        if self._denylist is None:
            self._denylist = self.store.denylist(now)
        return {name: expiry for name, expiry in self._denylist.items() if expiry > now}

    def denylist_crashed_query(self) -> None:
        """A worker that died mid-query left its name behind: denylist it for 24 hours."""
        name = self.store.executing_query()
        if not name:
            return
        if "HOSTQL_WORKER" in os.environ:
            # The watcher restarted us after a crash or a resource limit during this query.
            now = int(time.time())
            entries = scheduler.denylist_failed_query(self.store.denylist(now), name, now)
            self.store.save_denylist(entries)
            self._denylist = dict(entries)
            self.status.error(f"Scheduled query may have failed: {name}; denylisted for 24 hours")
        else:
            self.status.warning(f"Scheduled query may have failed: {name}")
        self.store.clear_executing_query()

    def run_due(self, step: int, first_step: bool) -> int:
        """Run the queries due at step; the number run."""
        now = int(time.time())
        denylist = self.denylist(now)
        count = 0
        for query in scheduler.due(self.schedule, step, self.splayed, first_step):
            if self.stop_requested.is_set():
                break
            if scheduler.is_denylisted(query.name, now, denylist, query.denylist, False):
                continue
            if self.config.decorators.always:
                self._decorate("always", self.config.decorators.always)
            if self.values["schedule_lognames"]:
                self.status.info(f"Executing scheduled query {query.name}: {query.query}")
            self.runner.run(query)
            for warning in self.engine.take_warnings():
                self.status.warning(f"Scheduled query {query.name}: {warning}")
            count += 1
        if count:
            self._refresh_schedule_rows()
        interval_queries = scheduler.interval_decorators_due(step, self.config.decorators)
        if interval_queries:
            self._decorate("interval", interval_queries)
        return count

    # -- lifecycle ------------------------------------------------------------------------

    def install_signals(self) -> None:
        """SIGTERM/SIGINT stop gracefully, SIGHUP reloads, SIGUSR1 marks a resource limit."""

        def stop(signum: int, frame: object) -> None:
            self.request_stop(force_after=max(10, int(self.values["alarm_timeout"])))

        def reload(signum: int, frame: object) -> None:
            self.reload_requested = True

        def limit(signum: int, frame: object) -> None:
            self.resource_limit_hit = True
            self.engine.connection.interrupt()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)
        signal.signal(signal.SIGUSR1, limit)

    def request_stop(self, force_after: float | None = None) -> None:
        """Stop after the running query; with force_after (the signal path), exit 78 if
        shutdown has not finished that many seconds later (osquery's --alarm_timeout)."""
        if self.stop_requested.is_set():
            return
        self.stop_requested.set()
        if force_after is not None:
            self._alarm = threading.Timer(force_after, os._exit, args=(78,))
            self._alarm.daemon = True
            self._alarm.start()

    def run(self) -> int:
        """The scheduler loop; returns the exit code."""
        self.load_config(first=True)
        self.denylist_crashed_query()
        self.services = start_services(self)
        self.status.info(f"hostqld started [version={self.status.version}]")
        started = time.monotonic()
        timeout = int(self.values["schedule_timeout"])
        refresh = int(self.values["config_refresh"])
        last_refresh = started
        step = int(time.time())
        drift = 0.0
        first = True
        max_drift = float(self.values["schedule_max_drift"])
        while not self.stop_requested.is_set():
            began = time.monotonic()
            period = (
                int(self.values["config_accelerated_refresh"]) if self.refresh_failed else refresh
            )
            if self.reload_requested or (refresh > 0 and began - last_refresh >= period):
                self.reload_requested = False
                last_refresh = began
                self.load_config(first=False)
            self.run_due(step, first)
            for service in self.services:
                try:
                    service.step(time.time())
                except Exception as exc:  # a failing service must not stop the schedule
                    self.status.error(f"{service.name} service step failed: {exc}")
            self.delivery.status(self.status.drain())
            first = False
            step += 1
            if timeout and time.monotonic() - started >= timeout:
                break
            delay, drift = scheduler.next_step_delay(time.monotonic() - began, drift, max_drift)
            self.stop_requested.wait(delay)
        return self.shutdown()

    def shutdown(self) -> int:
        """Flush loggers and close the store."""
        self.status.info("hostqld stopping")
        for service in reversed(self.services):
            with contextlib.suppress(Exception):
                service.stop()
        self.delivery.status(self.status.drain())
        self.delivery.close()
        self.store.close()
        if self._alarm is not None:
            self._alarm.cancel()
        return 0
