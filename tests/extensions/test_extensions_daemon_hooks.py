"""hostqld's --logger_plugin and --config_plugin naming plugins that extensions register.

These need two hooks in hostql/daemon/runtime.py, proposed in hostql.extensions (loggers:
extension_loggers as build_loggers' extra factories; config: extension_config in
read_config). Until the daemon carries them, the `hooked` fixture applies exactly those
hooks; once it does, the fixture leaves the daemon as it is.
"""

from __future__ import annotations

import inspect
import io
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from extension_processes import StartExtension, wait_until, write_wrapper

from hostql.daemon import loggers as daemon_loggers
from hostql.daemon import runtime
from hostql.daemon.config.model import Config, ConfigSource
from hostql.daemon.config.parse import parse_sources
from hostql.daemon.runtime import Daemon
from hostql.daemon.status import StatusLog
from hostql.errors import ConfigError
from hostql.extensions.config import extension_config
from hostql.extensions.loggers import ExtensionLogger, extension_loggers
from hostql.flags import default_values

MakeDaemon = Callable[..., Daemon]


@pytest.fixture
def hooked(monkeypatch: pytest.MonkeyPatch) -> None:
    if "hostql.extensions" in inspect.getsource(runtime):
        return  # integrated
    build = daemon_loggers.build_loggers

    def build_loggers(names: str, values: Any, extra: Any = None) -> Any:
        extra = dict(extra or {})
        known = {**daemon_loggers.builtin_loggers(), **extra}
        extra.update(extension_loggers(names, values, known))
        return build(names, values, extra)

    read = Daemon.read_config

    def read_config(self: Daemon) -> Config:
        try:
            return read(self)
        except ConfigError:
            if self.values["config_plugin"] in ("filesystem", "tls"):
                raise
        source = extension_config(self, self.values["config_plugin"])
        return parse_sources(
            [ConfigSource(name, text) for name, text in source.generate()],
            resolve_pack=source.pack,
            schedule_default_interval=int(self.values["schedule_default_interval"]),
        )

    monkeypatch.setattr(daemon_loggers, "build_loggers", build_loggers)
    monkeypatch.setattr(Daemon, "read_config", read_config)


@pytest.fixture
def make_daemon(sock_dir: Path, hooked: None) -> Iterator[MakeDaemon]:
    made: list[tuple[Daemon, threading.Thread]] = []

    def make(config: object, **flags: object) -> Daemon:
        path = sock_dir / "hostql.conf"
        path.write_text(json.dumps(config))
        # An autoload file says extensions are in use, so plugin names nobody else has
        # are awaited from extensions instead of stopping the daemon.
        (sock_dir / "extensions.load").touch()
        values = default_values()
        settings = {
            "config_path": str(path),
            "database_path": str(sock_dir / "db"),
            "logger_path": str(sock_dir / "log"),
            "extensions_socket": str(sock_dir / "hostql.em"),
            "extensions_autoload": str(sock_dir / "extensions.load"),
            "extensions_interval": "1",
            "extensions_timeout": "20",
            "disable_events": True,
            "schedule_timeout": 60,
            **flags,
        }
        for name, value in settings.items():
            values.set(name, value)
        daemon = Daemon(values, StatusLog(stream=io.StringIO()))
        thread = threading.Thread(target=daemon.run, daemon=True)
        made.append((daemon, thread))
        thread.start()
        return daemon

    yield make
    for daemon, thread in made:
        daemon.stop_requested.set()
        thread.join(timeout=30)


def test_an_extension_logger_receives_result_and_status_lines(
    make_daemon: MakeDaemon, sock_dir: Path, start_extension: StartExtension
) -> None:
    config = {"schedule": {"probe": {"query": "select 41 + 1 as answer", "interval": 1}}}
    daemon = make_daemon(config, logger_plugin="filesystem,hostql_test_logger")
    extension_logger = next(
        logger for logger in daemon.delivery.loggers if isinstance(logger, ExtensionLogger)
    )
    assert extension_logger.name == "hostql_test_logger"
    wait_until(lambda: (sock_dir / "hostql.em").exists())
    record = sock_dir / "logged"
    start_extension("ext_logger.py", sock_dir / "hostql.em", HOSTQL_EXT_RECORD=str(record))

    def requests() -> list[dict[str, str]]:
        text = record.read_text() if record.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    wait_until(lambda: any("string" in r and '"answer":"42"' in r["string"] for r in requests()))
    wait_until(lambda: any(r.get("status") == "true" for r in requests()))
    status = next(r for r in requests() if r.get("status") == "true")
    messages = [line["m"] for line in json.loads(status["log"])]
    assert any(message.startswith("hostqld started") for message in messages)
    assert daemon.runtime.plugins["logger"]["hostql_test_logger"] is True


def test_an_extension_config_plugin_supplies_the_schedule(
    make_daemon: MakeDaemon, sock_dir: Path, sdk: object
) -> None:
    wrapper = write_wrapper(
        sock_dir, "ext_config.py", "config", HOSTQL_EXT_QUERY="select 5 as five"
    )
    (sock_dir / "extensions.load").write_text(f"{wrapper}\n")
    daemon = make_daemon({}, config_plugin="hostql_test_config", logger_plugin="filesystem")
    results = sock_dir / "log" / "osqueryd.results.log"
    wait_until(lambda: results.exists() and '"five":"5"' in results.read_text(), 30)
    assert [query.name for query in daemon.schedule] == ["ext_config_probe"]
    assert daemon.config.options == {"custom_from_extension": "yes"}
    assert daemon.runtime.plugins["config"]["hostql_test_config"] is True
