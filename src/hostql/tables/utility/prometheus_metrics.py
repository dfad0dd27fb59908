"""prometheus_metrics: scrape the Prometheus targets the config's prometheus_targets names.

Until the daemon's config model carries it, the config's "prometheus_targets" section is set
here with set_prometheus_targets({"urls": [...], "timeout": 1}); the daemon will call it on
each config update.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from hostql.host.http_client import HttpError
from hostql.schema import BIGINT, DOUBLE, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

_log = logging.getLogger(__name__)

# The config's "prometheus_targets" section; None until a config sets it.
_TARGETS: dict[str, Any] | None = None
DEFAULT_TIMEOUT = 1


def set_prometheus_targets(section: Mapping[str, Any] | None) -> None:
    """Install the config's prometheus_targets section (None: no section)."""
    global _TARGETS
    _TARGETS = None if section is None else dict(section)


def prometheus_targets() -> dict[str, Any] | None:
    """The current prometheus_targets section."""
    return _TARGETS


@table(
    "prometheus_metrics",
    "Retrieve metrics from a Prometheus server.",
    platforms=(LINUX, MACOS),
    examples=("select * from prometheus_metrics",),
    notes="Scrapes every url in the config's prometheus_targets section (see "
    "set_prometheus_targets) with its timeout (default 1 s), following redirects. Like "
    "osquery, each non-comment line splits on spaces into metric name and value, so labels "
    "stay part of the name and labels with spaces are cut.",
    columns=[
        Column("target_name", TEXT, "Address of prometheus target"),
        Column("metric_name", TEXT, "Name of collected Prometheus metric"),
        Column("metric_value", DOUBLE, "Value of collected Prometheus metric"),
        Column("timestamp_ms", BIGINT, "Unix timestamp of collected data in MS"),
    ],
)
def prometheus_metrics(ctx: QueryContext) -> Iterator[Row]:
    """A row per sample line of each target's scrape, targets in url order."""
    section = _TARGETS
    if section is None:
        return
    urls = section.get("urls")
    if urls is None:
        if section:
            ctx.warn("Configuration for prometheus_targets is missing field: urls")
        return
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        return
    try:
        timeout = float(section.get("timeout", DEFAULT_TIMEOUT))
    except (TypeError, ValueError):
        timeout = DEFAULT_TIMEOUT
    web = ctx.host.http_client
    # osquery keeps the targets in a std::map: sorted, duplicates scraped once.
    for url in sorted(set(urls)):
        try:
            response = web.request(url, timeout=timeout)
        except HttpError as exc:
            ctx.warn(f"Failed on scrape of target {url}: {exc}")
            continue
        stamp = int(time.time() * 1000)
        for line in response.body.decode("utf-8", "replace").split("\n"):
            if not line or line.startswith("#"):
                continue
            fields = [f for f in line.split(" ") if f]
            if len(fields) > 1:
                yield {
                    "target_name": url,
                    "metric_name": fields[0],
                    "metric_value": _number(fields[1]),
                    "timestamp_ms": stamp,
                }


def _number(text: str) -> float | None:
    """The sample value as SQLite would read osquery's text (NULL when it is not a number)."""
    try:
        value = float(text)
    except ValueError:
        return None
    # SQLite stores NaN as NULL.
    return None if value != value else value
