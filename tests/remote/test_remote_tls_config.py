"""--config_plugin=tls: fetch, retries, re-enrollment, the backup used at start."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tls_pki import Pki
from tls_server import CONFIG, ENROLL, SECRET, TlsServer

from hostql.daemon.runtime import Daemon
from hostql.daemon.status import StatusLog
from hostql.errors import ConfigError
from hostql.flags import default_values
from hostql.remote.tls_config import BACKUP_KEY, SOURCE, read_config

MakeDaemon = Callable[..., Daemon]


@pytest.fixture
def make_daemon(tls_server: TlsServer, pki: Pki, tmp_path: Path) -> Iterator[MakeDaemon]:
    made: list[Daemon] = []

    def make(**flags: object) -> Daemon:
        secret = tmp_path / "secret"
        secret.write_text(SECRET)
        values = default_values()
        settings: dict[str, object] = {
            "database_path": str(tmp_path / "db" / "hostql.db"),
            "config_plugin": "tls",
            "logger_plugin": "",
            "tls_hostname": tls_server.hostname,
            "tls_server_certs": str(pki.ca),
            "enroll_secret_path": str(secret),
            "enroll_tls_endpoint": ENROLL,
            "config_tls_endpoint": CONFIG,
            "tls_enroll_max_attempts": 1,
            "disable_watchdog": True,
            **flags,
        }
        for name, value in settings.items():
            values.set(name, value)
        daemon = Daemon(values, StatusLog(to_stderr=False))
        made.append(daemon)
        return daemon

    yield make
    for daemon in made:
        daemon.delivery.close()
        daemon.store.close()


def test_the_config_is_the_servers_answer(make_daemon: MakeDaemon, tls_server: TlsServer) -> None:
    tls_server.config = {"schedule": {"q1": {"query": "select 1", "interval": 30}}}
    daemon = make_daemon()
    config = read_config(daemon)
    assert [q.name for p in config.packs for q in p.queries] == ["q1"]
    assert config.sources[0].name == SOURCE
    request = tls_server.received(CONFIG)[0]
    assert request.body == {"node_key": daemon.store.get("configurations", "nodeKey")}


def test_node_invalid_re_enrolls_within_the_attempts(
    make_daemon: MakeDaemon, tls_server: TlsServer
) -> None:
    daemon = make_daemon()
    read_config(daemon)
    tls_server.misbehave(CONFIG, "node_invalid")
    read_config(daemon)
    assert len(tls_server.received(ENROLL)) == 2
    assert any("Invalid node key" in e.message for e in daemon.status.drain())


@pytest.mark.parametrize("kind", ["500", "garbage", "close_mid_body"])
def test_failures_are_retried(make_daemon: MakeDaemon, tls_server: TlsServer, kind: str) -> None:
    daemon = make_daemon(config_tls_max_attempts=2)
    tls_server.misbehave(CONFIG, kind)
    assert read_config(daemon).hash


def test_attempts_run_out(make_daemon: MakeDaemon, tls_server: TlsServer) -> None:
    daemon = make_daemon(config_tls_max_attempts=1)
    tls_server.misbehave(CONFIG, "500")
    with pytest.raises(ConfigError, match=r"TLS config: .*HTTP 500"):
        read_config(daemon)


def test_a_bad_config_is_a_config_error(make_daemon: MakeDaemon, tls_server: TlsServer) -> None:
    tls_server.config = '{"schedule": {"q": {"query": "select 1", "interval": "soon"}}'
    daemon = make_daemon()
    with pytest.raises(ConfigError):
        read_config(daemon)


def test_backup_is_used_when_the_server_is_down_at_start(
    make_daemon: MakeDaemon, tls_server: TlsServer
) -> None:
    tls_server.config = {"schedule": {"backed": {"query": "select 2", "interval": 10}}}
    first = make_daemon(config_enable_backup=True)
    config = read_config(first)
    saved = first.store.get("configurations", BACKUP_KEY)
    assert saved is not None and json.loads(saved) == tls_server.config
    first.store.close()

    tls_server.stop()
    again = make_daemon(config_enable_backup=True, config_tls_max_attempts=1)
    restored = read_config(again)
    assert restored.hash == config.hash
    assert any("backed-up config" in e.message for e in again.status.drain())
    # Only at start: once a config runs, a failed refresh is an error (the daemon keeps its own).
    again.apply_config(restored)
    with pytest.raises(ConfigError):
        read_config(again)


def test_without_backup_a_down_server_at_start_is_an_error(
    make_daemon: MakeDaemon, tls_server: TlsServer
) -> None:
    read_config(make_daemon()).hash  # noqa: B018
    tls_server.stop()
    with pytest.raises(ConfigError, match="TLS config"):
        read_config(make_daemon(config_tls_max_attempts=1))
