"""hostqld as a real process: exit codes, one-line errors, signals, pidfile, embedded default."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CONFIG = {"schedule": {"up": {"query": "select days from uptime", "interval": 1}}}


def hostqld(
    *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hostql", "daemon", *args],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env or dict(os.environ),
        **kwargs,
    )  # type: ignore[call-overload]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = hostqld(*args, env=env)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def flags(tmp_path: Path, config: object = CONFIG) -> list[str]:
    path = tmp_path / "hostql.conf"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    return [
        f"--config_path={path}",
        f"--database_path={tmp_path / 'hostql.db'}",
        f"--logger_path={tmp_path / 'log'}",
        f"--pidfile={tmp_path / 'hostqld.pid'}",
        "--disable_watchdog",
        # Each test daemon must not serve the default extensions socket.
        "--disable_extensions",
    ]


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = hostqld(*flags(tmp_path))
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def wait_for(predicate: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_bad_config_at_start_names_file_line_and_column(tmp_path: Path) -> None:
    out = run(
        *flags(tmp_path, '{\n  "schedule": {\n    "a": {"query": "select 1" "interval": 1}\n')
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith(f"hostqld: {tmp_path / 'hostql.conf'}:3:")
    assert "Traceback" not in out.stderr


def test_config_check_exit_codes(tmp_path: Path) -> None:
    assert run(*flags(tmp_path), "--config_check").returncode == 0
    bad = run(*flags(tmp_path, "{ nope"), "--config_check")
    assert bad.returncode == 1 and bad.stderr.startswith("Error reading config: ")
    missing = run(f"--config_path={tmp_path / 'missing.conf'}", "--config_check")
    assert missing.returncode == 1
    assert "config file does not exist" in missing.stderr


def test_config_dump_prints_each_source(tmp_path: Path) -> None:
    out = run(*flags(tmp_path), "--config_dump")
    assert out.returncode == 0
    assert json.loads(out.stdout) == {str(tmp_path / "hostql.conf"): CONFIG}


def test_unknown_logger_plugin_is_one_line(tmp_path: Path) -> None:
    out = run(*flags(tmp_path), "--logger_plugin=carrier_pigeon", "--schedule_timeout=2")
    assert out.returncode == 78
    assert "Cannot activate carrier_pigeon logger plugin" in out.stderr
    assert "Traceback" not in out.stderr


def test_runs_logs_and_stops_gracefully_on_sigterm(
    tmp_path: Path, daemon: subprocess.Popen[str]
) -> None:
    results = tmp_path / "log" / "osqueryd.results.log"
    wait_for(lambda: results.exists() and results.read_text().strip())
    assert (tmp_path / "hostqld.pid").read_text().strip() == str(daemon.pid)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=20) == 0
    line = json.loads(results.read_text().splitlines()[0])
    assert line["name"] == "up" and line["action"] == "added"
    assert (tmp_path / "log" / "osqueryd.INFO").exists()
    assert not (tmp_path / "hostqld.pid").exists()
    dump = run(*flags(tmp_path), "--database_dump")
    assert "queries[up]: " in dump.stdout and "configurations[interval.up]: " in dump.stdout


def test_a_live_pidfile_refuses_a_second_daemon(
    tmp_path: Path, daemon: subprocess.Popen[str]
) -> None:
    wait_for(lambda: (tmp_path / "hostqld.pid").exists())
    second = run(*flags(tmp_path), "--schedule_timeout=2")
    assert second.returncode == 1
    assert f"pidfile {tmp_path / 'hostqld.pid'} belongs to running hostqld" in second.stderr


def test_sighup_with_a_broken_config_keeps_running(
    tmp_path: Path, daemon: subprocess.Popen[str]
) -> None:
    info = tmp_path / "log" / "osqueryd.INFO"
    wait_for(lambda: info.exists() and "hostqld started" in info.read_text())
    (tmp_path / "hostql.conf").write_text("{ broken")
    daemon.send_signal(signal.SIGHUP)
    wait_for(lambda: "keeping the last good config" in info.read_text())
    assert daemon.poll() is None
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=20) == 0


def test_embedded_default_needs_no_root_paths(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "XDG_STATE_HOME"}
    env["HOME"] = str(tmp_path)
    out = run(
        "--disable_watchdog",
        "--schedule_timeout=3",
        env=env,
    )
    assert out.returncode == 0, out.stderr
    state = tmp_path / ".local" / "state" / "hostql"
    assert (state / "log" / "osqueryd.INFO").exists()
    assert (state / "hostql.db").exists()


# Each recursive step carries a longer blob, so the worker's memory grows until stopped.
MEMORY_HOG = (
    "with recursive c(x, s) as (select 1, x'' union all select x + 1, s || randomblob(200000) "
    "from c where x < 100000) select max(length(s)) from c"
)
CPU_HOG = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


@pytest.mark.parametrize(
    ("hog", "limits", "reason"),
    [
        (
            MEMORY_HOG,
            ["--watchdog_memory_limit=60", "--watchdog_utilization_limit=100"],
            "stopping: Memory limits exceeded",
        ),
        (
            CPU_HOG,
            [
                "--watchdog_latency_limit=3",
                "--watchdog_utilization_limit=10",
                "--watchdog_memory_limit=2000",
            ],
            "stopping: Maximum sustainable CPU utilization limit",
        ),
    ],
    ids=["memory", "cpu"],
)
def test_watchdog_restarts_a_hog_and_denylists_its_query(
    tmp_path: Path, hog: str, limits: list[str], reason: str
) -> None:
    config = {
        "schedule": {
            "hog": {"query": hog, "interval": 1},
            "fine": {"query": "select 1 as ok", "interval": 1},
        }
    }
    args = [a for a in flags(tmp_path, config) if a != "--disable_watchdog"]
    proc = hostqld(
        *args,
        *limits,
        "--watchdog_delay=0",
        "--schedule_splay_percent=100",
        "--schedule_query_timeout=0",
    )
    errors = tmp_path / "log" / "osqueryd.ERROR"
    try:
        wait_for(
            lambda: (
                errors.exists() and "Scheduled query may have failed: hog" in errors.read_text()
            ),
            seconds=40,
        )
        results = tmp_path / "log" / "osqueryd.results.log"
        wait_for(lambda: results.exists() and '"name":"fine"' in results.read_text())
        assert proc.poll() is None, "the watcher keeps running"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert reason in stderr
    assert proc.returncode == 0
    dump = run(*flags(tmp_path), "--database_dump").stdout
    assert "configurations[failed_queries]: hog:" in dump
