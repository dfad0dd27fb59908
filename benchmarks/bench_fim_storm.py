"""FIM storm: 10,000 files created in a recursively watched tree; captured / created (>= 1.0).

hostql's file_events and `inotifywait -m -r` (Debian's inotify-tools) watch the same tree
in the same run while a separate process creates the files as fast as it can: half in
directories that exist, half in 50 directories created during the storm (a recursive
watcher must add their watches in time, or scan them). Each side's score is the share of
the 10,000 files it reported as created.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import report

FILES = 10_000
NEW_DIRS = 50
CREATOR = """
import os, sys
root, files, new_dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
flags = os.O_CREAT | os.O_WRONLY
half = files // 2
old = [os.path.join(root, f"old{i}") for i in range(10)]
for n in range(half):
    os.close(os.open(os.path.join(old[n % 10], f"f{n}"), flags, 0o644))
per_dir = (files - half) // new_dirs
for d in range(new_dirs):
    directory = os.path.join(root, f"new{d}", "deep")
    os.makedirs(directory)
    for n in range(per_dir):
        os.close(os.open(os.path.join(directory, f"f{n}"), flags, 0o644))
"""


def expected_paths(root: Path) -> set[str]:
    """The files the creator makes."""
    half = FILES // 2
    paths = {str(root / f"old{n % 10}" / f"f{n}") for n in range(half)}
    per_dir = (FILES - half) // NEW_DIRS
    for d in range(NEW_DIRS):
        paths.update(str(root / f"new{d}" / "deep" / f"f{n}") for n in range(per_dir))
    return paths


def settle(count: callable, target: int, timeout: float = 60.0) -> int:  # type: ignore[valid-type]
    """count() once it reaches target or stops growing for 2 s."""
    deadline = time.monotonic() + timeout
    last, stable_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = count()
        if now >= target:
            return now
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 2.0:
            return now
        time.sleep(0.2)
    return count()


def main() -> None:
    """Run both watchers over one storm and report their capture ratios."""
    from hostql.events.service import start_for_engine
    from hostql.flags import default_values
    from hostql.tables.events.file_events import file_events
    from hostql.tables.utility.osquery_events import osquery_events
    from hostql.testing import engine_for

    inotifywait = shutil.which("inotifywait")
    if inotifywait is None:
        sys.exit("inotifywait is missing: apt-get install inotify-tools")
    work = Path(tempfile.mkdtemp(prefix="hostql-fim-storm-"))
    root = work / "tree"
    for i in range(10):
        (root / f"old{i}").mkdir(parents=True)
    config = work / "hostql.conf"
    config.write_text(json.dumps({"file_paths": {"storm": [f"{root}/%%"]}}))
    values = default_values()
    values.set("enable_file_events", True)
    values.set("config_path", str(config))
    values.set("events_max", 0)
    engine = engine_for(file_events, osquery_events, flags=values)
    runtime = start_for_engine(engine, values)
    publisher = runtime.publishers["inotify"].publisher
    assert publisher.wait_applied(10)  # type: ignore[attr-defined]
    out = (work / "inotifywait.out").open("w")
    watcher = subprocess.Popen(
        [inotifywait, "-m", "-r", "-e", "create", "--format", "%w%f", str(root)],
        stdout=out,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stderr is not None
        for line in watcher.stderr:
            if "Watches established" in line:
                break
        expected = expected_paths(root)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", CREATOR, str(root), str(FILES), str(NEW_DIRS)], check=True
        )
        storm = time.monotonic() - started

        def ours() -> int:
            rows = engine.query("select target_path from file_events where action = 'CREATED'")
            return len({r["target_path"] for r in rows} & expected)

        def theirs() -> int:
            out.flush()
            text = (work / "inotifywait.out").read_text()
            return len(set(text.splitlines()) & expected)

        captured = settle(ours, FILES)
        reference = settle(theirs, FILES)
        counters = next(r for r in engine.query("select *, counters from osquery_events"))
        note = (
            f"{FILES} files in {storm:.2f} s; hostql {captured}, inotifywait {reference}; "
            f"inotify counters {counters['counters']}"
        )
        report(
            "fim storm: file_events captured / created",
            captured / FILES,
            1.0,
            ">= 1.0",
            "files created",
            note,
            unit="share",
        )
        report(
            "fim storm: file_events vs inotifywait -m -r",
            captured / FILES,
            reference / FILES,
            ">= 1.0",
            "inotifywait -m -r (inotify-tools)",
            note,
            unit="share",
        )
    finally:
        watcher.terminate()
        watcher.wait(10)
        out.close()
        runtime.stop()
        engine.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
