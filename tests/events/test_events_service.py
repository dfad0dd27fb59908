"""Starting events: hostqli with --disable_events=false, hostqld's events service, config keys."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from event_fakes import wait_for

from hostql.catalog import CATALOG
from hostql.events import service
from hostql.events.bus import EventRuntime
from hostql.events.service import EventService, read_events_config


class ScriptedInput(io.StringIO):
    """A non-TTY stdin whose lines may run a step (make files, wait) before being read."""

    def __init__(self, steps: list[str | Callable[[], None]]) -> None:
        super().__init__()
        self.steps = steps

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        while self.steps:
            step = self.steps.pop(0)
            if callable(step):
                step()
                continue
            return step + "\n"
        return ""


@pytest.fixture
def runtimes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EventRuntime]]:
    """Every runtime the shell starts, stopped when the test ends."""
    started: list[EventRuntime] = []
    real = service.start_for_engine

    def capture(*args: Any, **kwargs: Any) -> EventRuntime:
        runtime = real(*args, **kwargs)
        started.append(runtime)
        return runtime

    monkeypatch.setattr(service, "start_for_engine", capture)
    yield started
    for runtime in started:
        runtime.stop(timeout=2)


def test_hostqli_runs_fim_with_events_enabled(
    tmp_path: Path,
    evented_catalog: None,
    runtimes: list[EventRuntime],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from hostql.cli import shell_main

    watched = tmp_path / "watched"
    watched.mkdir()
    config = tmp_path / "hostql.conf"
    config.write_text(
        "// comment lines are allowed\n" + json.dumps({"file_paths": {"w": [f"{watched}/%%"]}})
    )

    def change() -> None:
        publisher = runtimes[0].publishers["inotify"].publisher
        assert publisher.wait_applied(5)  # type: ignore[attr-defined]
        (watched / "new.txt").write_text("x")
        wait_for(lambda: runtimes[0].store.stats("file_events")["added"] >= 3)

    stdin = ScriptedInput(
        [
            "select 1 as started;",  # the shell starts events with its engine
            change,
            "select name, active from osquery_events where name in ('inotify', 'file_events');",
            "select action, target_path, category from file_events;",
        ]
    )
    monkeypatch.setattr(sys, "stdin", stdin)
    argv = ["--disable_events=false", "--enable_file_events", f"--config_path={config}", "--list"]
    assert shell_main(argv) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "started",
        "1",
        "name|active",
        "inotify|1",
        "file_events|1",
        "action|target_path|category",
        f"CREATED|{watched}/new.txt|w",
        f"UPDATED|{watched}/new.txt|w",
        f"UPDATED|{watched}/new.txt|w",
    ]
    assert "Warning" not in out.err


def test_hostqli_warns_when_events_are_disabled(
    evented_catalog: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from hostql.cli import shell_main

    assert shell_main(["--list", "select * from file_events"]) == 0
    assert capsys.readouterr().err == (
        "Warning: Table file_events is event-based but events are disabled\n"
    )


@pytest.mark.skipif("file_events" not in CATALOG, reason="needs `make catalog` with file_events")
def test_hostqli_process_end_to_end(tmp_path: Path) -> None:
    watched = tmp_path / "watched"
    watched.mkdir()
    config = tmp_path / "hostql.conf"
    config.write_text(json.dumps({"file_paths": {"w": [f"{watched}/%%"]}}))
    shell = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostql",
            "shell",
            "--disable_events=false",
            "--enable_file_events",
            f"--config_path={config}",
            "--list",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, HOME=str(tmp_path)),
    )
    assert shell.stdin is not None
    shell.stdin.write("select 1 as started;\n")
    shell.stdin.flush()
    time.sleep(1.5)
    (watched / "f").write_text("x")
    time.sleep(1.5)
    out, err = shell.communicate("select action, target_path from file_events;\n", timeout=30)
    assert f"CREATED|{watched}/f" in out.splitlines(), (out, err)


def test_hostqld_logs_file_events_from_a_scheduled_query(
    tmp_path: Path, evented_catalog: None
) -> None:
    from hostql.daemon.runtime import Daemon
    from hostql.daemon.status import StatusLog
    from hostql.flags import default_values

    watched = tmp_path / "watched"
    watched.mkdir()
    config = {
        "schedule": {
            "fim": {"query": "select action, target_path from file_events", "interval": 1}
        },
        "file_paths": {"w": [f"{watched}/%%"]},
    }
    (tmp_path / "hostql.conf").write_text(json.dumps(config))
    values = default_values()
    for name, value in {
        "config_path": str(tmp_path / "hostql.conf"),
        "database_path": str(tmp_path / "db" / "hostql.db"),
        "logger_path": str(tmp_path / "log"),
        "logger_plugin": "filesystem",
        "disable_watchdog": True,
        "disable_events": False,
        "enable_file_events": True,
        "schedule_splay_percent": 0,
    }.items():
        values.set(name, value)
    status = io.StringIO()
    daemon = Daemon(values, StatusLog(stream=status))
    runner = threading.Thread(target=daemon.run, daemon=True)
    runner.start()
    try:
        events = wait_for(lambda: [s for s in daemon.services if isinstance(s, EventService)])
        assert events, status.getvalue()
        publisher = events[0].runtime.publishers["inotify"].publisher
        assert publisher.wait_applied(5)  # type: ignore[attr-defined]
        (watched / "a").write_text("x")
        results = tmp_path / "log" / "osqueryd.results.log"

        def logged() -> list[tuple[str, str, str]]:
            if not results.exists():
                return []
            lines = [json.loads(line) for line in results.read_text().splitlines()]
            return [
                (line["action"], line["columns"]["action"], line["columns"]["target_path"])
                for line in lines
                if line["name"] == "fim"
            ]

        wait_for(lambda: ("added", "CREATED", str(watched / "a")) in logged(), timeout=15)
        assert ("added", "CREATED", str(watched / "a")) in logged(), status.getvalue()
        assert daemon.runtime.events.stats("file_events")["added"] >= 1
    finally:
        daemon.request_stop()
        runner.join(15)
    assert not runner.is_alive()
    # The rows were buffered in the backing store: they survive the restart.
    from hostql.daemon.state import BackingStore

    store = BackingStore.open(tmp_path / "db" / "hostql.db")
    keys = [key for key, _ in store.scan("events", "data.inotify.file_events.")]
    store.close()
    assert keys


def test_read_events_config_merges_the_d_directory(tmp_path: Path) -> None:
    main = tmp_path / "hostql.conf"
    main.write_text(
        "# comment\n"
        + json.dumps(
            {
                "file_paths": {"etc": ["/etc/%%"]},
                "exclude_paths": {"etc": ["/etc/ssl/%%"]},
                "file_accesses": ["etc"],
                "events": {"disable_subscribers": ["udev_events"]},
            }
        )
    )
    extra = tmp_path / "hostql.conf.d"
    extra.mkdir()
    (extra / "10-more.conf").write_text(
        json.dumps({"file_paths": {"etc": ["/usr/%"], "bin": ["/bin/%"]}})
    )
    (extra / "20-bad.conf").write_text("{not json")
    messages: list[str] = []

    class Sink:
        def info(self, message: str, *, verbose: bool = False) -> None:
            messages.append(message)

        warning = error = info

    found = read_events_config(str(main), Sink())  # type: ignore[arg-type]
    assert found.file_paths == {"etc": ("/etc/%%", "/usr/%"), "bin": ("/bin/%",)}
    assert found.exclude_paths == {"etc": ("/etc/ssl/%%",)}
    assert found.file_accesses == ("etc",)
    assert found.events == {"disable_subscribers": ("udev_events",)}
    assert len(messages) == 1 and "20-bad.conf" in messages[0]
    assert read_events_config(str(tmp_path / "missing")).file_paths == {}
