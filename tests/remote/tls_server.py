"""A real HTTPS server implementing osquery's TLS API on 127.0.0.1, programmable per test.

Certificates come from a CA generated per test session (``tls_pki.make_pki``). Every request is
recorded (``server.requests``); each endpoint can be told to misbehave for the next N
requests (``server.misbehave(path, kind, times)``): ``500``, ``garbage`` (not JSON),
``close_mid_body``, ``reset`` (close without answering), ``slow`` (sleep first),
``node_invalid``, ``error`` (an ``"error"`` member). ``stop()``/``start()`` take the server
down and bring it back on the same port. ``ConnectProxy`` is an HTTP CONNECT proxy.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.server
import json
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tls_pki import Pki

ENROLL, CONFIG, LOG = "/enroll", "/config", "/log"
DISTRIBUTED_READ, DISTRIBUTED_WRITE = "/distributed_read", "/distributed_write"
CARVE_START, CARVE_CONTINUE = "/carve_init", "/carve_block"
ENDPOINTS = (ENROLL, CONFIG, LOG, DISTRIBUTED_READ, DISTRIBUTED_WRITE, CARVE_START, CARVE_CONTINUE)
MISBEHAVIOURS = ("500", "garbage", "close_mid_body", "reset", "slow", "node_invalid", "error")
SECRET = "this_is_a_deployment_secret"

DEFAULT_CONFIG: dict[str, Any] = {
    "schedule": {"tls_time": {"query": "select unix_time from time", "interval": 1}},
}


# -- the server ---------------------------------------------------------------------------


@dataclass
class Request:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any
    compressed: bool
    time: float
    client_cn: str = ""
    query: str = ""
    answered: bool = False
    behaviour: str = ""


@dataclass
class _Fault:
    kind: str
    times: int
    delay: float = 0.0


@dataclass
class Carve:
    """A carve session: its start request and the blocks received."""

    start: dict[str, Any]
    blocks: dict[int, bytes] = field(default_factory=dict)

    def data(self) -> bytes:
        """The blocks joined in order."""
        return b"".join(self.blocks[i] for i in sorted(self.blocks))


class TlsServer:
    """osquery's TLS API over real HTTPS; see the module docstring."""

    def __init__(
        self,
        pki: Pki,
        *,
        enroll_secret: str | None = SECRET,
        require_client_cert: bool = False,
        config: dict[str, Any] | None = None,
        port: int = 0,
    ) -> None:
        self.pki = pki
        self.enroll_secret = enroll_secret
        self.require_client_cert = require_client_cert
        self.config: dict[str, Any] | str = config if config is not None else DEFAULT_CONFIG
        self.requests: list[Request] = []
        self.node_keys: set[str] = set()
        self.distributed_queries: dict[str, str] = {}
        self.distributed_discovery: dict[str, str] = {}
        self.distributed_accelerate: int | None = None
        self.carves: dict[str, Carve] = {}
        self.lock = threading.Lock()
        self._faults: dict[str, list[_Fault]] = {}
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self.arrived = threading.Condition(self.lock)

    # -- lifecycle --

    def start(self) -> TlsServer:
        """Listen on 127.0.0.1 (the same port again after a stop)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.pki.server_cert, self.pki.server_key)
        if self.require_client_cert:
            context.load_verify_locations(self.pki.ca)
            context.verify_mode = ssl.CERT_REQUIRED
        handler = type("Handler", (_Handler,), {"api": self})
        httpd = _HttpsServer(("127.0.0.1", self.port), handler, context)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), daemon=True, name="tls-srv"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close kept-alive connections: the server is down."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_all()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def hostname(self) -> str:
        """host:port for --tls_hostname."""
        return f"127.0.0.1:{self.port}"

    # -- programming --

    def misbehave(self, path: str, kind: str, times: int = 1, delay: float = 0.0) -> None:
        """Answer the next `times` requests to path badly (times=-1: until cleared)."""
        assert kind in MISBEHAVIOURS, kind
        with self.lock:
            self._faults.setdefault(path, []).append(_Fault(kind, times, delay))

    def behave(self, path: str | None = None) -> None:
        """Forget the misbehaviours of path (or of every path)."""
        with self.lock:
            if path is None:
                self._faults.clear()
            else:
                self._faults.pop(path, None)

    def invalidate_node_keys(self) -> None:
        """Forget every node key issued: the next request of each node gets node_invalid."""
        with self.lock:
            self.node_keys.clear()

    def queue_distributed(
        self,
        queries: dict[str, str],
        discovery: dict[str, str] | None = None,
        accelerate: int | None = None,
    ) -> None:
        """Hand these queries out on the next distributed read (once)."""
        with self.lock:
            self.distributed_queries.update(queries)
            self.distributed_discovery.update(discovery or {})
            self.distributed_accelerate = accelerate

    # -- inspection --

    def pending_faults(self, path: str) -> int:
        """Misbehaviours of path not yet used (-1 if one lasts until cleared)."""
        with self.lock:
            queue = self._faults.get(path, [])
            if any(fault.times < 0 for fault in queue):
                return -1
            return sum(fault.times for fault in queue)

    def received(self, path: str, *, answered_only: bool = True) -> list[Request]:
        """Requests to path, oldest first (by default only those answered with 200)."""
        with self.lock:
            return [
                r for r in self.requests if r.path == path and (r.answered or not answered_only)
            ]

    def log_lines(self, log_type: str = "result", *, answered_only: bool = True) -> list[Any]:
        """Every log line delivered with log_type, in arrival order."""
        lines: list[Any] = []
        for request in self.received(LOG, answered_only=answered_only):
            if isinstance(request.body, dict) and request.body.get("log_type") == log_type:
                lines.extend(request.body.get("data", []))
        return lines

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> bool:
        """Wait until predicate() is true (checked on every request and every 0.1 s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            with self.arrived:
                self.arrived.wait(0.1)
        return bool(predicate())

    # -- dispatch (handler threads) --

    def take_fault(self, path: str) -> _Fault | None:
        with self.lock:
            queue = self._faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    queue.pop(0)
            return fault

    def record(self, request: Request) -> None:
        with self.arrived:
            self.requests.append(request)
            self.arrived.notify_all()

    def answer(self, path: str, body: Any) -> dict[str, Any]:
        """The JSON answer of an endpoint to a well-formed request."""
        body = body if isinstance(body, dict) else {}
        if path == ENROLL:
            return self._enroll(body)
        with self.lock:
            valid = body.get("node_key") in self.node_keys
        if not valid:
            return {"node_invalid": True}
        if path == CONFIG:
            config = self.config
            text = config if isinstance(config, str) else json.dumps(config)
            return {"__raw__": text}
        if path == DISTRIBUTED_READ:
            with self.lock:
                answer: dict[str, Any] = {"queries": dict(self.distributed_queries)}
                if self.distributed_discovery:
                    answer["discovery"] = dict(self.distributed_discovery)
                if self.distributed_accelerate is not None:
                    answer["accelerate"] = self.distributed_accelerate
                self.distributed_queries.clear()
                self.distributed_discovery.clear()
                self.distributed_accelerate = None
            return answer
        if path == CARVE_START:
            session = str(uuid.uuid4())
            with self.lock:
                self.carves[session] = Carve(start=body)
            return {"session_id": session}
        if path == CARVE_CONTINUE:
            with self.lock:
                carve = self.carves.get(str(body.get("session_id")))
                if carve is None:
                    return {"error": "unknown carve session"}
                carve.blocks[int(body.get("block_id", -1))] = base64.b64decode(
                    str(body.get("data", ""))
                )
            return {"success": True}
        return {}

    def _enroll(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.enroll_secret is not None and body.get("enroll_secret") != self.enroll_secret:
            return {"node_invalid": True, "error": "bad enroll secret"}
        key = f"node-{uuid.uuid4().hex}"
        with self.lock:
            self.node_keys.add(key)
        return {"node_key": key}


class _HttpsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, context: ssl.SSLContext) -> None:
        super().__init__(address, handler)
        self.context = context
        self.open: set[socket.socket] = set()
        self.open_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.settimeout(30)
        with self.open_lock:
            self.open.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self.open_lock:
            self.open.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        with self.open_lock:
            sockets, self.open = list(self.open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: TlsServer

    def setup(self) -> None:
        # The TLS handshake runs in the handler thread, so one slow client blocks nobody.
        server: _HttpsServer = self.server  # type: ignore[assignment]
        raw = self.request
        try:
            self.request = server.context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            self.request = raw
            self.close_connection = True
            self.handshake_failed = True
        else:
            self.handshake_failed = False
            with server.open_lock:
                server.open.discard(raw)
                server.open.add(self.request)
        super().setup()

    def handle(self) -> None:
        if not self.handshake_failed:
            super().handle()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if isinstance(self.request, ssl.SSLSocket):
                server: _HttpsServer = self.server  # type: ignore[assignment]
                with server.open_lock:
                    server.open.discard(self.request)
                self.request.close()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(length) if length else b""
        compressed = self.headers.get("Content-Encoding", "").lower() == "gzip"
        try:
            text = gzip.decompress(raw) if compressed else raw
            body: Any = json.loads(text) if text else {}
        except (OSError, ValueError):
            body = None
        client_cn = ""
        peer = self.request.getpeercert() if isinstance(self.request, ssl.SSLSocket) else None
        if peer:
            for part in peer.get("subject", ()):
                for key, value in part:
                    if key == "commonName":
                        client_cn = value
        path, _, query = self.path.partition("?")
        record = Request(
            path=path,
            headers={k: v for k, v in self.headers.items()},
            raw=raw,
            body=body,
            compressed=compressed,
            time=time.time(),
            client_cn=client_cn,
            query=query,
        )
        fault = self.api.take_fault(path)
        if fault is not None:
            record.behaviour = fault.kind
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay or 5.0)
            fault = None
        if fault is not None and fault.kind == "reset":
            self.api.record(record)
            self.close_connection = True
            return
        if fault is not None and fault.kind == "500":
            self.api.record(record)
            self._send(500, b'{"error":"internal"}')
            return
        if body is None:
            self.api.record(record)
            self._send(400, b'{"error":"bad request body"}')
            return
        if fault is not None and fault.kind == "node_invalid":
            answer: dict[str, Any] = {"node_invalid": True}
        elif fault is not None and fault.kind == "error":
            answer = {"error": "the server refuses this request"}
        else:
            answer = self.api.answer(path, body)
        payload = answer["__raw__"].encode() if "__raw__" in answer else json.dumps(answer).encode()
        if fault is not None and fault.kind == "garbage":
            self.api.record(record)
            self._send(200, b"<html>this is not json {")
            return
        if fault is not None and fault.kind == "close_mid_body":
            self.api.record(record)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload) + 100))
            self.end_headers()
            self.wfile.write(payload[: max(1, len(payload) // 2)])
            self.wfile.flush()
            self.close_connection = True
            return
        # Recorded before answering, as a real server commits before it replies.
        record.answered = "node_invalid" not in answer and "error" not in answer
        self.api.record(record)
        self._send(200, payload)

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on 127.0.0.1 that records the targets it tunnelled to."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.targets: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True, name="connect-proxy")
        self._thread.start()

    @property
    def hostname(self) -> str:
        """host:port for --proxy_hostname."""
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            data += chunk
        method, target, _ = data.split(b"\r\n", 1)[0].decode().split(" ", 2)
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        self.targets.append(target)
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
