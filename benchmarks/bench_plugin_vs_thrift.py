"""A 10k-row plugin table: Python entry point vs Thrift extension, same run (entry point >= 5x).

Both serve bench_rows (id INTEGER, name TEXT, path TEXT, size INTEGER) from rows built once,
so the figure is the transport: an in-process generator against Extension.call over the
extensions socket (hostql.extensions.table_server in its own process, as an extension is).
Without hostql.extensions (or if it cannot serve the table) only the entry-point side is
timed and reported against itself, with a note saying why.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from harness import best_of, python, report

from hostql.registry import builtin_registry
from hostql.sql.engine import Engine

ROWS = 10_000
SQL = "select id, name, path, size from bench_rows"
# Every cell read (both paths pay the engine's per-cell cost), then the scan alone.
MEASURED = {SQL: "all cells", "select count(*) from bench_rows": "scan"}
PLUGIN = f"""
from hostql.schema import INTEGER, TEXT, Column, table

ROWS = [
    {{"id": i, "name": f"row{{i}}", "path": f"/bench/{{i % 97}}/{{i}}", "size": i * 7}}
    for i in range({ROWS})
]


@table("bench_rows", "Benchmark rows.", columns=[
    Column("id", INTEGER, "id"), Column("name", TEXT, "name"),
    Column("path", TEXT, "path"), Column("size", INTEGER, "size"),
])
def bench_rows(ctx):
    return iter(ROWS)


def hostql_tables():
    return [bench_rows]
"""


def install_plugin(directory: Path) -> None:
    """bench_plugin as an installed distribution with a hostql entry point, on sys.path."""
    (directory / "bench_plugin.py").write_text(textwrap.dedent(PLUGIN))
    dist = directory / "bench_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bench-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[hostql]\nbench = bench_plugin\n")
    sys.path.insert(0, str(directory))


def entry_point_engine() -> Engine:
    """An engine that finds bench_rows the way hostqli would: through the entry point."""
    engine = Engine()
    rows = engine.execute(SQL).rows
    assert len(rows) == ROWS and not engine.take_warnings(), "the plugin table did not load"
    return engine


@contextlib.contextmanager
def thrift_engine(directory: Path) -> Iterator[Callable[[str], object]]:
    """A query function reading bench_rows from a Thrift extension process."""
    from hostql.extensions.bindings import RefreshingEngine
    from hostql.extensions.manager import ExtensionManager
    from hostql.extensions.service import StderrStatus

    engine = Engine(tables=builtin_registry())  # no entry-point plugins on this side
    socket = str(directory / "em")
    manager = ExtensionManager(socket, engine.flags, StderrStatus(), call_timeout=30.0)
    manager.start()
    binding = manager.bind(engine)
    refreshing = RefreshingEngine(engine, lambda: manager.apply(binding))
    server = subprocess.Popen(
        [python(), "-m", "hostql.extensions.table_server", "--socket", socket, "--rows", str(ROWS)],
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while "bench_rows" not in refreshing.table_names():
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the bench_rows extension did not register")
            time.sleep(0.05)
        assert len(refreshing.execute(SQL).rows) == ROWS
        yield refreshing.execute
    finally:
        manager.stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        if server.poll() is None:
            server.kill()
            server.wait()
        engine.close()


def main() -> None:
    """Time each path, best of several runs: every cell read, then the scan alone."""
    # UNIX socket paths must stay under 108 bytes: a short directory under /tmp.
    directory = Path(tempfile.mkdtemp(prefix="hqb", dir="/tmp"))
    try:
        install_plugin(directory)
        engine = entry_point_engine()
        ours = {sql: best_of(lambda s=sql: engine.execute(s), repeat=9) for sql in MEASURED}
        try:
            with thrift_engine(directory) as thrift_query:
                reference = {sql: best_of(lambda s=sql: thrift_query(s)) for sql in MEASURED}
            note = "rows built once on both sides: the figure is the transport"
        except (ImportError, AttributeError, RuntimeError, OSError) as exc:
            reference = ours
            note = f"Thrift side not measured ({type(exc).__name__}: {exc}); ratio is 1"
        for sql, label in MEASURED.items():
            report(
                f"plugins: 10k-row table, entry point vs Thrift ({label})",
                ours[sql],
                reference[sql],
                "<= 0.2",
                "the same table from a Thrift extension process",
                note,
            )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
