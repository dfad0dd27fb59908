"""Result lines through the TLS logger to the HTTPS test server vs plain httpx posts (>= 0.8x).

Both send the same 1,024-line batches to the same in-process test server (tests/remote), over
TLS verified against a CA made for the run. The logger's figure includes everything it does
for loss-free delivery: each query run's lines appended durably to the spool in the SQLite
backing store (one WAL commit per run), posted, and acknowledged (committed once per
delivery pass).
The figure compared is lines per second.
"""

from __future__ import annotations

import json
import shutil
import ssl
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from harness import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "remote"))

from tls_pki import make_pki
from tls_server import LOG, TlsServer

from hostql.daemon.state import BackingStore
from hostql.daemon.status import StatusLog
from hostql.remote.spool import Spool
from hostql.remote.tls_logger import RESULT, STATUS, TlsLogger
from hostql.remote.transport import Response, TlsSettings, Transport

LINES = 50_000
# Lines reach the logger a query run at a time; 100 rows is a middling differential.
RUN = 100
BATCH = 1024
NODE_KEY = "bench-node-key"


def result_line(i: int) -> str:
    """An event-format line of the size a processes query logs (~330 bytes)."""
    return (
        '{"name":"pack_it_processes","hostIdentifier":"web01.example.com",'
        '"calendarTime":"Wed Nov 26 17:15:55 2026 UTC","unixTime":1795713355,"epoch":0,'
        f'"counter":{i},"numerics":false,"decorations":{{"host_uuid":"4740d59c-2f71-4bc5"}},'
        f'"columns":{{"cmdline":"/usr/sbin/sshd -D -o AuthorizedKeysCommand","name":"sshd",'
        f'"path":"/usr/sbin/sshd","pid":"{1000 + i}","uid":"0"}},"action":"added"}}'
    )


def received(server: TlsServer) -> int:
    return sum(len(r.body["data"]) for r in server.received(LOG))


def through_logger(server: TlsServer, ca: Path, lines: list[str], root: Path) -> float:
    """Seconds for every line to be spooled, posted and acknowledged."""
    store = BackingStore.open(root / "bench.db")
    status = StatusLog(to_stderr=False)
    spools = {
        kind: Spool(store, f"bench_{kind}", max_lines=0, max_bytes=0, status=status)
        for kind in (RESULT, STATUS)
    }
    transport = Transport(TlsSettings(server.hostname, str(ca)))

    def post(endpoint: str, encode: Callable[[str], bytes], compress: bool) -> Response:
        return transport.post(endpoint, encode(NODE_KEY), node_key=NODE_KEY, compress=compress)

    logger = TlsLogger(post, spools, status, endpoint=LOG, period=4.0, max_lines=BATCH)
    start = time.perf_counter()
    for i in range(0, len(lines), RUN):
        logger.log_results(lines[i : i + RUN])
    assert logger.drain(timeout=300), "the logger did not deliver everything"
    elapsed = time.perf_counter() - start
    logger.close()
    store.close()
    return elapsed


def plain_httpx(server: TlsServer, ca: Path, lines: list[str]) -> float:
    """Seconds to post the same batches with one httpx client."""
    context = ssl.create_default_context(cafile=str(ca))
    headers = {"Content-Type": "application/json", "Authorization": f"NodeKey {NODE_KEY}"}
    head = '{"node_key":' + json.dumps(NODE_KEY) + ',"log_type":"result","data":['
    with httpx.Client(verify=context) as client:
        start = time.perf_counter()
        for i in range(0, len(lines), BATCH):
            body = (head + ",".join(lines[i : i + BATCH]) + "]}").encode()
            client.post(f"https://{server.hostname}{LOG}", content=body, headers=headers)
        return time.perf_counter() - start


def main() -> None:
    """Best of three rounds each, alternating, against one server."""
    lines = [result_line(i) for i in range(LINES)]
    root = Path(tempfile.mkdtemp(prefix="hostql-bench-tls-"))
    pki = make_pki(root / "pki")
    server = TlsServer(pki, enroll_secret=None).start()
    server.node_keys.add(NODE_KEY)
    try:
        ours = reference = float("inf")
        for round_ in range(3):
            server.requests.clear()
            ours = min(ours, through_logger(server, pki.ca, lines, root / f"r{round_}"))
            assert received(server) == LINES
            server.requests.clear()
            reference = min(reference, plain_httpx(server, pki.ca, lines))
            assert received(server) == LINES
        report(
            f"tls logger: {LINES:,} result lines ({RUN} per run, {BATCH} per request)",
            LINES / ours,
            LINES / reference,
            ">= 0.8",
            "httpx posting the same batches",
            f"{LINES / ours:,.0f} vs {LINES / reference:,.0f} lines/s; durable spool included",
            unit="lines/s",
        )
    finally:
        server.stop()
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
