"""Enrollment and the node key: every TLS request carries it, node_invalid forgets it.

The key lives in the backing store as osquery keeps it (``configurations/nodeKey`` and
``nodeKeyTime``) so it survives restarts. Neither the key nor the enroll secret is ever put
in a status line or an error message.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hostql.daemon.records import cast_double
from hostql.remote.transport import (
    NodeInvalidError,
    Response,
    TlsSettings,
    Transport,
    TransportError,
    encode_body,
)

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon
    from hostql.daemon.state import BackingStore
    from hostql.daemon.status import StatusLog
    from hostql.flags import FlagValues
    from hostql.sql.engine import Engine

NODE_KEY, NODE_KEY_TIME = "nodeKey", "nodeKeyTime"
# osquery's kEnrollHostDetails: the first row of each goes to the server at enrollment.
HOST_DETAIL_TABLES = ("os_version", "osquery_info", "system_info", "platform_info")
# kPlatformType on Linux: POSIX (0x01) | LINUX (0x08).
PLATFORM_TYPE = "9"

HostDetails = dict[str, dict[str, str]]


def read_enroll_secret(values: FlagValues, environ: Mapping[str, str] = os.environ) -> str:
    """The secret from --enroll_secret_path (whitespace trimmed), else --enroll_secret_env."""
    path = str(values["enroll_secret_path"])
    if path:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read().strip()
        except OSError:
            return ""  # osquery sends an empty secret when the file cannot be read
    name = str(values["enroll_secret_env"])
    return environ.get(name, "") if name else ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return cast_double(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def host_details(engine: Engine) -> HostDetails:
    """The first row of each host detail table, values as text (failing tables left out)."""
    from hostql.errors import HostqlError

    details: HostDetails = {}
    for table in HOST_DETAIL_TABLES:
        try:
            result = engine.execute(f"SELECT * FROM {table}")
        except HostqlError:
            continue
        if result.rows:
            row = result.rows[0]
            details[table] = {
                column: _text(value) for column, value in zip(result.columns, row, strict=True)
            }
    return details


def enroll_body(
    secret: str, host_identifier: str, details: HostDetails, secret_key: str = "enroll_secret"
) -> dict[str, Any]:
    """The enrollment request body osquery sends."""
    return {
        secret_key: secret,
        "host_identifier": host_identifier,
        "platform_type": PLATFORM_TYPE,
        "host_details": details,
    }


def node_key_of(response: Mapping[str, Any]) -> str:
    """The node key of an enrollment response ("node_key", or "id" as osquery also accepts)."""
    for name in ("node_key", "id"):
        value = response.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def retry_waits(max_attempts: int, max_interval: int) -> Iterator[float]:
    """Seconds to wait after each failed attempt but the last: min(k², max_interval)."""
    attempt = 1
    while max_attempts <= 0 or attempt < max_attempts:
        yield float(min(attempt * attempt, max_interval) if max_interval > 0 else attempt**2)
        attempt += 1


class RemoteClient:
    """POSTs to the TLS server with the node key, enrolling first when there is none."""

    def __init__(
        self,
        transport: Transport,
        store: BackingStore,
        values: FlagValues,
        status: StatusLog,
        *,
        identity: Callable[[], str],
        details: Callable[[], HostDetails],
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.transport = transport
        self.store = store
        self.values = values
        self.status = status
        self.identity = identity
        self.details = details
        self.stop = stop or threading.Event()
        self.clock = clock
        self.enrollments = 0
        self.last_enroll_error = ""
        self._lock = threading.RLock()

    # -- the node key -----------------------------------------------------------------------

    def stored_node_key(self) -> str:
        """The cached node key ('' if none)."""
        return self.store.get("configurations", NODE_KEY) or ""

    def clear_node_key(self, only: str | None = None) -> None:
        """Forget the node key (only if it is still `only`, when given)."""
        with self._lock:
            if only is None or self.stored_node_key() == only:
                self.store.delete("configurations", NODE_KEY)

    def node_key(self) -> str:
        """The cached node key, else a new one from enrollment ('' if disabled or failed)."""
        with self._lock:
            key = self.stored_node_key()
            if key or self.values["disable_enrollment"]:
                return key
            return self.enroll()

    def enroll(self) -> str:
        """Enroll, retrying up to --tls_enroll_max_attempts; the new key is stored."""
        endpoint = self.endpoint(str(self.values["enroll_tls_endpoint"]))
        attempts = int(self.values["tls_enroll_max_attempts"])
        waits = retry_waits(attempts, int(self.values["tls_enroll_max_interval"]))
        with self._lock:
            while True:
                requested = int(self.clock())
                try:
                    key = self._request_key(endpoint)
                except TransportError as exc:
                    self.last_enroll_error = str(exc)
                    wait = next(waits, None)
                    if wait is None:
                        self.status.error(f"Failed enrollment request: {exc}; giving up")
                        return ""
                    self.status.warning(
                        f"Failed enrollment request: {exc}; retrying in {wait:g} seconds"
                    )
                    if self.stop.wait(wait):
                        return ""
                    continue
                self.store.put_many(
                    "configurations", {NODE_KEY: key, NODE_KEY_TIME: str(requested)}
                )
                self.enrollments += 1
                self.last_enroll_error = ""
                self.status.info("Enrolled with the TLS server")
                return key

    def _request_key(self, endpoint: str) -> str:
        secret = read_enroll_secret(self.values)
        body = enroll_body(
            secret, self.identity(), self.details(), str(self.values["tls_enroll_override"])
        )
        key = node_key_of(self.transport.post(endpoint, body))
        if not key:
            raise TransportError(f"POST {self.transport.url(endpoint)}: no node key returned")
        return key

    # -- requests ---------------------------------------------------------------------------

    def endpoint(self, path: str) -> str:
        """An endpoint path, with ?<override>=<secret> appended under --tls_secret_always."""
        if not self.values["tls_secret_always"]:
            return path
        name = str(self.values["tls_enroll_override"])
        secret = quote(read_enroll_secret(self.values), safe="")
        return f"{path}{'&' if '?' in path else '?'}{name}={secret}"

    def post(self, endpoint: str, body: Mapping[str, Any], *, compress: bool = False) -> Response:
        """POST body plus node_key; node_invalid forgets the key (unless disabled) and raises."""
        return self.post_encoded(
            endpoint, lambda key: encode_body({**body, "node_key": key}), compress=compress
        )

    def post_encoded(
        self, endpoint: str, encode: Callable[[str], bytes], *, compress: bool = False
    ) -> Response:
        """POST the body encode(node_key) returns (how the logger sends lines it never parses)."""
        key = self.node_key()
        if not key and not self.values["disable_enrollment"]:
            raise TransportError(f"not enrolled: {self.last_enroll_error or 'enrollment failed'}")
        try:
            return self.transport.post(
                self.endpoint(endpoint), encode(key), node_key=key, compress=compress
            )
        except NodeInvalidError:
            if not self.values["disable_reenrollment"]:
                # Only this key: another thread may already have enrolled a new one.
                self.clear_node_key(only=key)
            raise


_CLIENTS: weakref.WeakKeyDictionary[Daemon, RemoteClient] = weakref.WeakKeyDictionary()
_CLIENTS_LOCK = threading.Lock()


def remote_client(daemon: Daemon) -> RemoteClient:
    """The daemon's one TLS client, shared by config, logger, distributed and carver."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(daemon)
        if client is not None:
            return client
        values = daemon.values
        transport = Transport(TlsSettings.from_flags(values))
        cached: list[HostDetails] = []

        def details() -> HostDetails:
            # Computed once: re-enrollment may happen on another thread than the engine's.
            if not cached:
                cached.append(host_details(daemon.engine))
            return cached[0]

        client = RemoteClient(
            transport,
            daemon.store,
            values,
            daemon.status,
            identity=daemon.identity,
            details=details,
            stop=daemon.stop_requested,
        )
        details()
        if (
            values["enroll_always"]
            and values["config_plugin"] == "tls"
            and not values["disable_enrollment"]
        ):
            # osquery's TLS config plugin drops the cached key at start to enroll anew.
            client.clear_node_key()
        _CLIENTS[daemon] = client
        return client
