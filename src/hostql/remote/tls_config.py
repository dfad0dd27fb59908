"""--config_plugin=tls: the config is the answer of a POST to --config_tls_endpoint.

Failed requests are retried --config_tls_max_attempts times (sleeping i² seconds). With
--config_enable_backup every good config is kept in ``configurations/config_persistence.
tls_plugin`` and used when the server cannot be reached at start, as osquery does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hostql.daemon.config.model import Config, ConfigSource
from hostql.daemon.config.parse import parse_sources
from hostql.errors import ConfigError
from hostql.remote.enroll import remote_client
from hostql.remote.transport import TransportError

if TYPE_CHECKING:
    import threading

    from hostql.daemon.runtime import Daemon
    from hostql.remote.enroll import RemoteClient

# osquery's name for the TLS config source (and so its backup key's suffix).
SOURCE = "tls_plugin"
BACKUP_KEY = f"config_persistence.{SOURCE}"


def fetch_config_text(
    post: Callable[[], str], attempts: int, stop: threading.Event, on_retry: Callable[[str], None]
) -> str:
    """The config text from post(), tried `attempts` times with i² seconds between tries."""
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return post()
        except TransportError as exc:
            if attempt == attempts:
                raise
            on_retry(f"{exc}; retrying in {attempt * attempt} seconds")
            if stop.wait(attempt * attempt):
                raise
    raise AssertionError("unreachable")


def _request(client: RemoteClient, endpoint: str) -> str:
    return client.post(endpoint, {}).text


def parse_tls_config(text: str, schedule_default_interval: int) -> Config:
    """A config from the TLS server's answer (ConfigError if it is not a valid config)."""
    return parse_sources(
        [ConfigSource(SOURCE, text)], schedule_default_interval=schedule_default_interval
    )


def read_config(daemon: Daemon) -> Config:
    """Fetch and parse the remote config; at start, fall back to the backup if enabled."""
    values = daemon.values
    interval = int(values["schedule_default_interval"])
    backup = bool(values["config_enable_backup"])
    first = not daemon.config.hash
    try:
        client = remote_client(daemon)
        endpoint = str(values["config_tls_endpoint"])
        text = fetch_config_text(
            lambda: _request(client, endpoint),
            int(values["config_tls_max_attempts"]),
            daemon.stop_requested,
            lambda message: daemon.status.warning(f"TLS config request failed: {message}"),
        )
        config = parse_tls_config(text, interval)
    except (TransportError, ConfigError) as exc:
        reason = f"TLS config: {exc}"
        if backup and first:
            saved = daemon.store.get("configurations", BACKUP_KEY)
            if saved:
                daemon.status.warning(f"{reason}; using the backed-up config")
                return parse_tls_config(saved, interval)
        raise ConfigError(reason) from None
    if backup and daemon.store.get("configurations", BACKUP_KEY) != text:
        daemon.store.put("configurations", BACKUP_KEY, text)
    return config
