"""The backing store: one SQLite file of (domain, key) -> value, as osquery's RocksDB domains."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

import apsw

from hostql.errors import HostqlError
from hostql.flags import FlagValues
from hostql.schema import Row

DOMAINS = (
    "configurations",
    "queries",
    "events",
    "logs",
    "carves",
    "distributed",
    "distributed_running",
    "query_performance",
)
RESULTS_VERSION = "2"
# "hqld" in the SQLite header tells our files from any other SQLite database.
APPLICATION_ID = 0x68716C64
SCHEMA_VERSION = 1
# osquery keeps a query's results this long after its last run before purging them.
RESULTS_EXPIRY_SECONDS = 592_200
SIDECARS = ("-wal", "-shm", "-journal")
# See _initialise: durable across process crashes, not across power loss.
SYNCHRONOUS = "NORMAL"

_log = logging.getLogger(__name__)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS kv(domain TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(domain, key)) WITHOUT ROWID"
)


class BackingStoreError(HostqlError):
    """The store cannot be opened or written (permissions, disk, another process)."""


class ForeignStoreError(Exception):
    """The file is SQLite but not a hostql store (or one from a newer hostql)."""


@dataclass(frozen=True, slots=True)
class PreviousResults:
    """What the last stored run of a scheduled query left: rows, epoch, counter, SQL."""

    rows: list[Row] | None
    epoch: int | None
    counter: int | None
    sql: str | None


@dataclass(frozen=True, slots=True)
class QueryPerformance:
    """Per-query statistics as osquery's CSV, with hostql's timeouts appended."""

    executions: int = 0
    last_executed: int = 0
    wall_time: int = 0
    wall_time_ms: int = 0
    last_wall_time_ms: int = 0
    user_time: int = 0
    last_user_time: int = 0
    system_time: int = 0
    last_system_time: int = 0
    average_memory: int = 0
    last_memory: int = 0
    output_size: int = 0
    timeouts: int = 0

    def to_csv(self) -> str:
        """osquery's 12 comma-separated fields followed by the timeout count."""
        return ",".join(str(getattr(self, field.name)) for field in fields(self))

    @classmethod
    def from_csv(cls, text: str) -> QueryPerformance:
        """Parse to_csv's text (or osquery's 12 fields); malformed text gives zeros."""
        parts = text.split(",")
        if len(parts) < 12:
            return cls()
        numbers = [int(p) if p.strip().isdigit() else 0 for p in parts[: len(fields(cls))]]
        return cls(*numbers)


class BackingStore:
    """A transactional (domain, key) -> value store in one SQLite file (or in memory)."""

    def __init__(
        self, connection: apsw.Connection, path: str | None, busy_timeout_ms: int = 5000
    ) -> None:
        self._conn = connection
        self._busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        self.path = path
        # ERROR messages about what was found at path and moved aside, for the status log.
        self.errors: list[str] = []

    @classmethod
    def in_memory(cls) -> BackingStore:
        """An ephemeral store (--disable_database, --ephemeral): same API, nothing persisted."""
        store = cls(apsw.Connection(":memory:"), None)
        store._initialise()
        return store

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, busy_timeout_ms: int = 5000) -> BackingStore:
        """Open or create the store at path; a corrupt or foreign file is moved aside."""
        target = Path(path)
        _ensure_directory(target.parent)
        problem = ""
        if target.is_dir():
            problem = "is a directory (an osquery RocksDB?)"
        else:
            try:
                return cls._open_file(target, busy_timeout_ms)
            except (apsw.NotADBError, apsw.CorruptError) as error:
                problem = f"is corrupt or not a database ({error})"
            except ForeignStoreError as error:
                problem = str(error)
        moved = _move_aside(target)
        message = (
            f"Backing store {target} {problem}: moved it aside to {moved} and created a fresh store"
        )
        _log.error(message)
        store = cls._open_file(target, busy_timeout_ms)
        store.errors.append(message)
        return store

    @classmethod
    def from_flags(cls, values: FlagValues) -> BackingStore:
        """The store the flags ask for: in memory when disabled or ephemeral without a path."""
        ephemeral = values["ephemeral"] and not values.is_set("database_path")
        if values["disable_database"] or ephemeral:
            return cls.in_memory()
        return cls.open(values["database_path"])

    @classmethod
    def _open_file(cls, path: Path, busy_timeout_ms: int) -> BackingStore:
        if not path.exists():
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                pass
            except OSError as error:
                raise BackingStoreError(f"Cannot create backing store {path}: {error}") from None
        try:
            connection = apsw.Connection(str(path))
        except apsw.CantOpenError as error:
            raise BackingStoreError(f"Cannot open backing store {path}: {error}") from None
        store = cls(connection, str(path), busy_timeout_ms)
        try:
            store._initialise()
        except (apsw.NotADBError, apsw.CorruptError, ForeignStoreError):
            connection.close()
            raise
        except apsw.Error as error:
            # Locked by another process past the busy timeout, read-only, disk full...
            connection.close()
            raise BackingStoreError(f"Cannot open backing store {path}: {error}") from None
        except BaseException:
            connection.close()
            raise
        return store

    def _initialise(self) -> None:
        conn = self._conn
        # osquery retries a locked RocksDB for 5 s; a busy SQLite file waits as long.
        conn.set_busy_timeout(self._busy_timeout_ms)
        application_id = _pragma(conn, "application_id")
        version = _pragma(conn, "user_version")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
        if tables and application_id != APPLICATION_ID:
            raise ForeignStoreError("is an SQLite database that hostql did not create")
        if tables and (version > SCHEMA_VERSION or "kv" not in tables):
            raise ForeignStoreError(f"has an unknown hostql store schema (version {version})")
        if self.path is not None:
            check = [row[0] for row in conn.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise apsw.CorruptError("; ".join(str(line) for line in check[:3]))
            # WAL with synchronous=NORMAL, as osquery's RocksDB writes without fsync: a commit
            # is in the WAL when it returns, so a kill -9 or a crash of hostqld loses nothing,
            # and no crash tears the file. Only an OS crash or power loss can undo the commits
            # since the last checkpoint (fsync'd then). FULL would fsync every commit, 2-4 ms
            # each: the spool commits once per query run, and that cost stalled the loggers.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        if not tables:
            with conn:
                conn.execute(_SCHEMA)
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        if self.get("configurations", "results_version") is None:
            self.put("configurations", "results_version", RESULTS_VERSION)

    # The key/value API, as osquery's database plugin.

    def get(self, domain: str, key: str) -> str | None:
        """The value at domain/key, or None."""
        _check_domain(domain)
        with self._lock:
            for (value,) in self._conn.execute(
                "SELECT value FROM kv WHERE domain = ? AND key = ?", (domain, key)
            ):
                return str(value)
        return None

    def put(self, domain: str, key: str, value: str) -> None:
        """Set domain/key to value (committed on return unless inside transaction())."""
        self.put_many(domain, ((key, value),))

    def put_many(self, domain: str, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Set several keys of a domain in one transaction."""
        _check_domain(domain)
        pairs = items.items() if isinstance(items, Mapping) else items
        rows = [(domain, key, value) for key, value in pairs]
        for _, key, value in rows:
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"backing store keys and values are text: {key!r}={value!r}")
        with self.transaction():
            self._conn.executemany(
                "INSERT OR REPLACE INTO kv(domain, key, value) VALUES (?, ?, ?)", rows
            )

    def delete(self, domain: str, *keys: str) -> None:
        """Remove keys from a domain (absent keys are ignored)."""
        _check_domain(domain)
        with self.transaction():
            self._conn.executemany(
                "DELETE FROM kv WHERE domain = ? AND key = ?", [(domain, key) for key in keys]
            )

    def scan(
        self,
        domain: str,
        prefix: str = "",
        *,
        start: str | None = None,
        stop: str | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[str, str]]:
        """(key, value) pairs of a domain whose key starts with prefix, in key order.

        start (inclusive) and stop (exclusive) bound the keys further, limit the count:
        a bounded range is one seek and a short walk of the primary key's index.
        """
        _check_domain(domain)
        lower = prefix if start is None or start < prefix else start
        upper = _successor(prefix)
        if stop is not None and (upper is None or stop < upper):
            upper = stop
        sql = "SELECT key, value FROM kv WHERE domain = ? AND key >= ?"
        args: list[str | int] = [domain, lower]
        if upper is not None:
            sql += " AND key < ?"
            args.append(upper)
        if prefix:
            sql += " AND substr(key, 1, ?) = ?"
            args += [len(prefix), prefix]
        sql += " ORDER BY key"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(max(0, limit))
        with self._lock:
            rows = list(self._conn.execute(sql, args))
        return iter([(str(key), str(value)) for key, value in rows])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside commits together, or not at all if it raises."""
        with self._lock:
            try:
                with self._conn:
                    yield
            except (apsw.FullError, apsw.IOError, apsw.ReadOnlyError, apsw.BusyError) as error:
                message = f"Cannot write backing store {self.path}: {error}"
                raise BackingStoreError(message) from None

    def dump(self) -> Iterator[str]:
        """Every key as osquery's --database_dump prints it: <domain>[<key>]: <value>."""
        for domain in DOMAINS:
            for key, value in self.scan(domain):
                yield f"{domain}[{key}]: {value}"

    def close(self) -> None:
        """Close the file (a clean close also checkpoints the WAL back into it)."""
        with self._lock:
            self._conn.close()

    # Typed helpers for what the daemon keeps, under osquery's key names.

    def previous_results(self, name: str) -> PreviousResults:
        """The last stored results of a scheduled query, its epoch, counter and SQL."""
        with self.transaction():
            rows = self.get("queries", name)
            epoch = self.get("queries", f"{name}epoch")
            counter = self.get("queries", f"{name}counter")
            sql = self.get("queries", f"query.{name}")
        return PreviousResults(
            rows=json.loads(rows) if rows is not None else None,
            epoch=_int_or_none(epoch),
            counter=_int_or_none(counter),
            sql=sql,
        )

    def save_results(self, name: str, rows: list[Row], *, epoch: int, counter: int) -> None:
        """Store a query's new result set with its epoch and counter, atomically."""
        text = json.dumps(rows, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        self.put_many(
            "queries", {name: text, f"{name}epoch": str(epoch), f"{name}counter": str(counter)}
        )

    def save_query_sql(self, name: str, sql: str) -> None:
        """Remember the SQL text a query name ran (to notice 'Scheduled query has been updated')."""
        self.put("queries", f"query.{name}", sql)

    def forget_query(self, name: str) -> None:
        """Purge everything stored for a query name (results, interval, timestamp, stats)."""
        with self.transaction():
            self.delete("queries", name, f"{name}epoch", f"{name}counter", f"query.{name}")
            self.delete("configurations", f"interval.{name}", f"timestamp.{name}")
            self.delete("query_performance", name)

    def stale_queries(self, now: int) -> list[str]:
        """Names whose last run is older than osquery's results expiry (592200 s)."""
        return [
            key.removeprefix("timestamp.")
            for key, value in self.scan("configurations", "timestamp.")
            if value.isdigit() and int(value) < now - RESULTS_EXPIRY_SECONDS
        ]

    def splayed_interval(self, name: str, interval: int) -> int | None:
        """The splayed interval stored for name if it was computed for this same interval."""
        value = self.get("configurations", f"interval.{name}") or ""
        parts = value.split(":")
        if len(parts) == 2 and parts[0] == str(interval) and parts[1].isdigit():
            splayed = int(parts[1])
            return splayed if splayed > 0 else None
        return None

    def save_splayed_interval(self, name: str, interval: int, splayed: int) -> None:
        """Persist the splay chosen for name's interval (osquery's '<interval>:<splayed>')."""
        self.put("configurations", f"interval.{name}", f"{interval}:{splayed}")

    def record_query_start(self, name: str, now: int) -> None:
        """Mark name as executing and stamp its last-run time, in one transaction."""
        self.put_many("configurations", {"executing_query": name, f"timestamp.{name}": str(now)})

    def executing_query(self) -> str:
        """The query that was running when the worker last stopped ('' if none)."""
        return self.get("configurations", "executing_query") or ""

    def clear_executing_query(self) -> None:
        """Clear the executing mark (not done when a resource limit killed the query)."""
        self.put("configurations", "executing_query", "")

    def last_run(self, name: str) -> int | None:
        """When name last started, in UNIX seconds."""
        return _int_or_none(self.get("configurations", f"timestamp.{name}"))

    def denylist(self, now: int) -> dict[str, int]:
        """Denylisted query names and their expiry, dropping expired or malformed entries."""
        parts = (self.get("configurations", "failed_queries") or "").split(":")
        if len(parts) < 2 or len(parts) % 2:
            return {}
        pairs = zip(parts[::2], parts[1::2], strict=True)
        return {name: int(e) for name, e in pairs if e.isdigit() and int(e) > now}

    def save_denylist(self, entries: Mapping[str, int]) -> None:
        """Store the denylist as osquery does: name:expiry pairs joined by ':' in name order."""
        text = ":".join(f"{name}:{expiry}" for name, expiry in sorted(entries.items()))
        self.put("configurations", "failed_queries", text)

    def performance(self, name: str) -> QueryPerformance:
        """The stored statistics of a query (zeros if none)."""
        return QueryPerformance.from_csv(self.get("query_performance", name) or "")

    def save_performance(self, name: str, stats: QueryPerformance) -> None:
        """Store a query's statistics."""
        self.put("query_performance", name, stats.to_csv())

    def host_uuid(self) -> str | None:
        """The persisted host UUID (configurations/host_uuid_v3)."""
        return self.get("configurations", "host_uuid_v3")

    def save_host_uuid(self, value: str) -> None:
        """Persist the host UUID chosen by host identity."""
        self.put("configurations", "host_uuid_v3", value)

    def instance_uuid(self) -> str:
        """This installation's random UUID, created and persisted on first use."""
        with self.transaction():
            value = self.get("configurations", "instance_uuid_v1")
            if not value:
                value = str(uuid.uuid4())
                self.put("configurations", "instance_uuid_v1", value)
        return value


def _check_domain(domain: str) -> None:
    if domain not in DOMAINS:
        raise ValueError(f"unknown backing store domain: {domain!r}")


def _successor(prefix: str) -> str | None:
    """The smallest key above every key starting with prefix (None: no such bound)."""
    # SQLite compares TEXT as UTF-8 bytes, which orders like code points: the prefix with its
    # last character bumped bounds it (surrogates skipped; past U+10FFFF, bump the one before).
    while prefix:
        bumped = ord(prefix[-1]) + 1
        if 0xD800 <= bumped <= 0xDFFF:
            bumped = 0xE000
        if bumped <= 0x10FFFF:
            return prefix[:-1] + chr(bumped)
        prefix = prefix[:-1]
    return None


def _pragma(conn: apsw.Connection, name: str) -> int:
    for (value,) in conn.execute(f"PRAGMA {name}"):
        return int(value)
    return 0


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _ensure_directory(directory: Path) -> None:
    if directory.is_dir():
        return
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)
    except OSError as error:
        message = f"Cannot create backing store directory {directory}: {error}"
        raise BackingStoreError(message) from None


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    suffix = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}.{suffix}")
        suffix += 1
    try:
        path.rename(target)
        # A stale WAL left beside a fresh file would be replayed into it: move it along.
        for sidecar in SIDECARS:
            extra = path.with_name(path.name + sidecar)
            if extra.exists():
                extra.rename(target.with_name(target.name + sidecar))
    except OSError as error:
        raise BackingStoreError(f"Cannot move aside backing store {path}: {error}") from None
    return target
