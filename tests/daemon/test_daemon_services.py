"""Services beside the schedule: started when their flag enables them, stepped, stopped."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from hostql.daemon import services
from hostql.daemon.runtime import Daemon
from hostql.daemon.status import StatusLog
from hostql.flags import default_values

PROVIDER = """
calls = []


class Probe:
    name = "probe"

    def step(self, now):
        calls.append("step")

    def stop(self):
        calls.append("stop")


def start(daemon):
    calls.append("start")
    return Probe()
"""


@pytest.fixture
def daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Daemon:
    (tmp_path / "probe_service.py").write_text(PROVIDER)
    (tmp_path / "broken_service.py").write_text("def start(daemon):\n    raise OSError('no')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        services,
        "SERVICES",
        (
            ("probe", "disable_events", False, "probe_service"),
            ("broken", "disable_events", False, "broken_service"),
            ("absent", "disable_events", False, "hostql_no_such_service"),
            ("off", "disable_carver", False, "probe_service"),
        ),
    )
    config = tmp_path / "hostql.conf"
    config.write_text(json.dumps({"schedule": {}}))
    values = default_values()
    for name, value in {
        "config_path": str(config),
        "disable_events": False,
        "database_path": str(tmp_path / "db"),
        "logger_plugin": "",
        "schedule_timeout": 2,
    }.items():
        values.set(name, value)
    return Daemon(values, StatusLog(stream=io.StringIO()))


def test_services_start_step_and_stop(daemon: Daemon) -> None:
    assert daemon.run() == 0
    calls = sys.modules["probe_service"].calls
    assert calls[0] == "start" and calls[-1] == "stop" and "step" in calls
    assert calls.count("start") == 1, "disable_carver is on by default: 'off' never starts"


def test_broken_and_missing_services_are_logged(daemon: Daemon) -> None:
    daemon.run()
    stream = daemon.status.stream
    assert isinstance(stream, io.StringIO)
    text = stream.getvalue()
    assert "Cannot start the broken service: OSError: no" in text
    assert "The absent service is not available in this build" in text
