"""The benchmark helper: bench_rows served over Thrift by hostql's own server or by the SDK."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from extension_processes import HERE, environment

from hostql.extensions.table_server import served_bench_table
from hostql.sql.engine import Engine


def test_bench_rows_from_hostqls_own_extension_server(
    engine: Engine, sock_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.environ", environment())
    with served_bench_table(engine, str(sock_dir / "em"), rows=250) as db:
        assert db.query("select count(*) as n, max(id) as top from bench_rows") == [
            {"n": 250, "top": 249}
        ]
        assert db.query("select path from bench_rows where id = 100") == [{"path": "/bench/3/100"}]
    assert "bench_rows" not in engine.table_names()


def test_bench_rows_from_an_osquery_python_extension(
    engine: Engine, sock_dir: Path, sdk: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTQL_BENCH_ROWS", "300")
    command = [sys.executable, str(HERE / "ext_bench_table.py")]
    with served_bench_table(engine, str(sock_dir / "em"), command=command) as db:
        assert db.query("select count(*) as n from bench_rows") == [{"n": 300}]
