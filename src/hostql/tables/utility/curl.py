"""curl: make HTTP(S) GET requests to the given URLs and report how they went."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from hostql.host.http_client import HttpError
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import LIKE, QueryContext

_log = logging.getLogger(__name__)

USER_AGENT = "osquery"
# osquery's TLS transport options: the whole request within 16 seconds.
TIMEOUT = 16.0


@table(
    "curl",
    "Perform an http request and return stats about it.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select url, round_trip_time, response_code from curl where url = 'http://127.0.0.1:1/'",
    ),
    notes="One GET per url = / IN value, following up to 10 redirects and verifying TLS peers "
    "against --tls_server_certs (the system CAs when it is unreadable). A failed request "
    "still gives a row, with NULL response columns. round_trip_time is in microseconds.",
    columns=[
        Column(
            "url",
            TEXT,
            "The url for the request",
            required=True,
            index=True,
            optimized=True,
        ),
        Column("method", TEXT, "The HTTP method for the request"),
        Column(
            "user_agent",
            TEXT,
            "The user-agent string to use for the request",
            additional=True,
        ),
        Column("response_code", INTEGER, "The HTTP status code for the response"),
        Column("round_trip_time", BIGINT, "Time taken to complete the request"),
        Column("bytes", BIGINT, "Number of bytes in the response"),
        Column("result", TEXT, "The HTTP response body"),
    ],
)
def curl(ctx: QueryContext) -> Iterator[Row]:
    """A row per requested URL: the response's status, time, size and body."""
    agents = ctx.equals("user_agent") or set()
    if len(agents) > 1:
        ctx.warn("Can only accept a single user_agent")
        return
    if ctx.has("url", LIKE):
        ctx.warn("Using LIKE clause for url is not supported")
    # CR and LF would let a user agent inject headers (osquery issue 8404).
    agent = USER_AGENT if not agents else str(next(iter(agents)))
    agent = agent.replace("\r", "").replace("\n", "")
    web = ctx.host.http_client
    context = web.tls_context(str(ctx.flags["tls_server_certs"]))
    for url in sorted(str(u) for u in ctx.equals("url") or ()):
        row: Row = {"url": url, "method": "GET", "user_agent": agent}
        start = time.perf_counter()
        try:
            response = web.request(
                url, headers={"User-Agent": agent}, timeout=TIMEOUT, context=context
            )
        except HttpError as exc:
            ctx.warn(f"Error making request: {exc}")
        else:
            elapsed = time.perf_counter() - start
            text = response.body.decode("utf-8", "replace")
            row.update(
                response_code=response.status,
                round_trip_time=int(elapsed * 1_000_000),
                result=text,
                bytes=len(response.body),
            )
        yield row
