"""prometheus_metrics: scrapes of Prometheus-format targets served on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from local_servers import reply, serve

from hostql.tables.utility import prometheus_metrics as module
from hostql.tables.utility.prometheus_metrics import prometheus_metrics, set_prometheus_targets
from hostql.testing import engine_for, run_table

NODE = (
    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
    "# TYPE process_cpu_seconds_total counter\n"
    "process_cpu_seconds_total 0.25\n"
    "process_max_fds 1.048576e+06\n"
    "\n"
    'http_requests_total{code="200",method="get"} 1027 1395066363000\n'
    "broken_line_without_value\n"
    "nan_metric NaN\n"
)


@pytest.fixture(autouse=True)
def no_targets() -> Iterator[None]:
    yield
    set_prometheus_targets(None)


def test_no_config_section_means_no_rows_and_no_requests() -> None:
    assert module.prometheus_targets() is None
    assert run_table(prometheus_metrics) == []


def test_scrapes_every_target() -> None:
    with serve({"/metrics": reply(200, NODE), "/other": reply(200, "up 1\n")}) as (base, seen):
        set_prometheus_targets({"urls": [f"{base}/other", f"{base}/metrics"], "timeout": 2})
        before = int(time.time() * 1000)
        rows = run_table(prometheus_metrics)
        after = int(time.time() * 1000)
    assert all(before <= r.pop("timestamp_ms") <= after for r in rows)
    assert rows == [
        {"target_name": f"{base}/metrics", "metric_name": "process_cpu_seconds_total",
         "metric_value": 0.25},
        {"target_name": f"{base}/metrics", "metric_name": "process_max_fds",
         "metric_value": 1048576.0},
        {"target_name": f"{base}/metrics",
         "metric_name": 'http_requests_total{code="200",method="get"}', "metric_value": 1027.0},
        {"target_name": f"{base}/metrics", "metric_name": "nan_metric", "metric_value": None},
        {"target_name": f"{base}/other", "metric_name": "up", "metric_value": 1.0},
    ]  # fmt: skip
    assert sorted(path for _, path, _ in seen) == ["/metrics", "/other"]


def test_a_failing_target_is_skipped_with_a_warning() -> None:
    with serve({"/metrics": reply(200, "up 1\n")}) as (base, _):
        set_prometheus_targets({"urls": ["http://127.0.0.1:1/metrics", f"{base}/metrics"]})
        engine = engine_for(prometheus_metrics)
        try:
            rows = engine.query("SELECT target_name, metric_name FROM prometheus_metrics")
            warnings = engine.take_warnings()
        finally:
            engine.close()
    assert rows == [{"target_name": f"{base}/metrics", "metric_name": "up"}]
    assert any("http://127.0.0.1:1/metrics" in w for w in warnings)


def test_a_section_without_urls_warns() -> None:
    set_prometheus_targets({"timeout": 1})
    engine = engine_for(prometheus_metrics)
    try:
        assert engine.query("SELECT * FROM prometheus_metrics") == []
        assert engine.take_warnings() == [
            "Configuration for prometheus_targets is missing field: urls"
        ]
    finally:
        engine.close()
    set_prometheus_targets({})
    assert run_table(prometheus_metrics) == []
