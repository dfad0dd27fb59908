"""One table served as an extension without osquery's SDK: for benchmarks and tests.

    python -m hostql.extensions.table_server --socket /path/to/core.em --rows 10000

registers table ``bench_rows`` (id INTEGER, name TEXT, path TEXT, size INTEGER) with the core
listening on --socket and answers its calls until the core goes away or asks it to stop.
``served_bench_table(engine, socket_path)`` does all of it for a benchmark in one line.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hostql.errors import PluginError
from hostql.extensions import interface as idl
from hostql.extensions.client import CallError, ThriftClient
from hostql.extensions.extension import extension_socket
from hostql.extensions.server import ThriftServer

if TYPE_CHECKING:
    from hostql.extensions.bindings import RefreshingEngine
    from hostql.sql.engine import Engine

BENCH_COLUMNS = (("id", "INTEGER"), ("name", "TEXT"), ("path", "TEXT"), ("size", "INTEGER"))


def bench_rows(count: int) -> list[dict[str, str]]:
    """count rows of the bench_rows table, as text (what Extension.call carries)."""
    return [
        {"id": str(i), "name": f"row{i}", "path": f"/bench/{i % 97}/{i}", "size": str(i * 7)}
        for i in range(count)
    ]


class TableExtension:
    """Registers one table with a core and answers its generate and columns calls."""

    def __init__(
        self,
        manager_socket: str,
        table: str,
        columns: tuple[tuple[str, str], ...],
        rows: list[dict[str, str]],
        *,
        name: str = "",
        interval: float = 1.0,
    ) -> None:
        self.manager_socket = manager_socket
        self.table = table
        self.routes = [{"id": "column", "name": n, "type": t, "op": "0"} for n, t in columns]
        self.rows = rows
        self.name = name or f"hostql_{table}"
        self.interval = interval
        self.uuid = 0
        self.calls = 0
        self.stopped = threading.Event()
        self._client = ThriftClient(manager_socket)
        self._server: ThriftServer | None = None

    def start(self) -> int:
        """Register and start serving; the uuid the core assigned (PluginError if refused)."""
        info = {"name": self.name, "version": "1.0.0", "sdk_version": "5.0.0"}
        try:
            status = self._client.register_extension(info, {"table": {self.table: self.routes}})
        except CallError as exc:
            raise PluginError(f"cannot register with {self.manager_socket}: {exc}") from None
        if status.get("code") != idl.SUCCESS:
            raise PluginError(f"registration refused: {status.get('message')}")
        self.uuid = int(status["uuid"])
        self._server = ThriftServer(
            extension_socket(self.manager_socket, self.uuid),
            self._handle,
            methods=idl.EXTENSION_METHODS,
        )
        self._server.start()
        return self.uuid

    def wait(self) -> None:
        """Serve until the core stops answering pings or asks for a shutdown."""
        while not self.stopped.wait(self.interval):
            try:
                self._client.ping()
            except CallError:
                break
        self.stop()

    def stop(self) -> None:
        """Stop serving and deregister (if the core is still there)."""
        self.stopped.set()
        if self.uuid:
            with contextlib.suppress(CallError):
                self._client.deregister_extension(self.uuid)
        self._client.close()
        if self._server is not None:
            self._server.stop()

    def _handle(self, method: str, args: dict[str, Any]) -> Any:
        if method == "ping":
            return idl.status(idl.SUCCESS, "pong", self.uuid)
        if method == "shutdown":
            self.stopped.set()
            return None
        request = args.get("request") or {}
        if args.get("registry") != "table" or args.get("item") != self.table:
            return idl.response(idl.FAILED, "Extension registry does not contain requested plugin")
        self.calls += 1
        if request.get("action") == "generate":
            return idl.response(idl.SUCCESS, "OK", self.rows, self.uuid)
        if request.get("action") == "columns":
            return idl.response(idl.SUCCESS, "OK", self.routes, self.uuid)
        return idl.response(idl.FAILED, "Unknown action")


@contextlib.contextmanager
def served_bench_table(
    engine: Engine,
    socket_path: str,
    rows: int = 10_000,
    *,
    command: list[str] | None = None,
    timeout: float = 30.0,
) -> Iterator[RefreshingEngine]:
    """engine with table bench_rows served over Thrift by a separate process (benchmarks).

    Starts a manager on socket_path and `python -m hostql.extensions.table_server` (or
    command, e.g. an osquery-python script, which is given --socket), waits for the table,
    and yields engine wrapped to take it in; everything is stopped on exit.
    """
    from hostql.extensions.bindings import RefreshingEngine
    from hostql.extensions.manager import ExtensionManager
    from hostql.extensions.service import StderrStatus

    manager = ExtensionManager(socket_path, engine.flags, StderrStatus())
    binding = manager.bind(engine)
    manager.start()
    argv = command or [sys.executable, "-m", "hostql.extensions.table_server", "--rows", str(rows)]
    process = subprocess.Popen([*argv, "--socket", socket_path], stdin=subprocess.DEVNULL)
    try:
        if not manager.wait_for(lambda: "bench_rows" in manager.tables, timeout):
            raise PluginError(f"bench_rows was not registered within {timeout} seconds")
        yield RefreshingEngine(engine, lambda: manager.apply(binding))
    finally:
        process.kill()
        process.wait()
        manager.stop()
        manager.apply(binding)


def main(argv: list[str] | None = None) -> int:
    """Serve bench_rows until the core goes away."""
    parser = argparse.ArgumentParser(description="Serve the bench_rows table as an extension")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--name", default="hostql_bench_rows")
    parser.add_argument("--timeout", default="3")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args(argv)
    extension = TableExtension(
        options.socket,
        "bench_rows",
        BENCH_COLUMNS,
        bench_rows(options.rows),
        name=options.name,
        interval=options.interval,
    )
    try:
        extension.start()
    except PluginError as exc:
        sys.stderr.write(f"table_server: {exc}\n")
        return 1
    extension.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
