"""A real HTTP server on a unix socket that replays recorded Docker Engine and LXD answers."""

from __future__ import annotations

import json
import re
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from hostql.schema import TableSpec
from hostql.testing import engine_for

FIXTURES = Path(__file__).parent / "fixtures"
REASONS = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}


@dataclass
class Reply:
    """One canned HTTP response and how to frame it on the wire."""

    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    # "length" (Content-Length), "chunked", "close" (body ends at EOF), "truncated"
    framing: str = "length"


def json_reply(document: Any, status: int = 200, **options: Any) -> Reply:
    """A reply whose body is document as JSON."""
    return Reply(status, json.dumps(document).encode(), **options)


def load(*parts: str) -> Any:
    """A recorded API answer from the fixtures folder."""
    return json.loads(FIXTURES.joinpath(*parts).read_text())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _UnixServer

    def do_GET(self) -> None:
        api = self.server.api
        api.requests.append(self.path)
        api.headers.append({k.lower(): v for k, v in self.headers.items()})
        reply = api.overrides.get(self.path) or api.overrides.get(urlsplit(self.path).path)
        if reply is None:
            reply = api.router(self.path)
        if reply.delay:
            time.sleep(reply.delay)
        self.close_connection = True
        head = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}"]
        head += ["Content-Type: application/json", "Server: Docker/25.0.3 (linux)"]
        body = reply.body
        if reply.framing == "length":
            head.append(f"Content-Length: {len(body)}")
        elif reply.framing == "truncated":
            head.append(f"Content-Length: {len(body) + 64}")
        elif reply.framing == "chunked":
            head.append("Transfer-Encoding: chunked")
            half = len(body) // 2
            chunks = [body[:half], body[half:]]
            body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c) + b"0\r\n\r\n"
        head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet, and unix sockets have no client address to print


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False
    api: ApiServer


@dataclass
class ApiServer:
    """A threaded HTTP/1.1 server on a unix socket; router turns a request target into a Reply."""

    socket_path: Path
    router: Callable[[str], Reply]
    flag: str
    requests: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    overrides: dict[str, Reply] = field(default_factory=dict)

    @property
    def flags(self) -> dict[str, str]:
        """The flags that point a table at this server."""
        return {self.flag: str(self.socket_path)}

    def answer(self, target: str, status: int = 200, body: bytes = b"", **options: Any) -> None:
        """Answer target (a path, or a path with its query) with this reply from now on."""
        self.overrides[target] = Reply(status, body, **options)

    def paths(self) -> list[str]:
        """The request targets seen so far, URL-decoded."""
        return [unquote(target) for target in self.requests]

    def serve(self) -> Iterator[ApiServer]:
        server = _UnixServer(str(self.socket_path), _Handler)
        server.api = self
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


class DockerEngine:
    """Docker Engine API semantics over the recorded answers (prefix ids, filters, all=1)."""

    def __init__(self) -> None:
        self.containers = load("docker", "containers.json")
        self.inspect = load("docker", "containers_inspect.json")
        self.top = load("docker", "containers_top.json")
        self.changes = load("docker", "containers_changes.json")
        self.stats = load("docker", "containers_stats.json")
        self.images = load("docker", "images.json")
        self.image_inspect = load("docker", "images_inspect.json")
        self.history = load("docker", "images_history.json")
        self.networks = load("docker", "networks.json")
        self.volumes = load("docker", "volumes.json")

    @staticmethod
    def _resolve(table: dict[str, Any], ref: str) -> str | None:
        ref = ref.removeprefix("sha256:")
        found = [key for key in table if key.startswith(ref)]
        return found[0] if len(found) == 1 else None

    @staticmethod
    def _filters(query: dict[str, list[str]]) -> dict[str, list[str]]:
        text = query.get("filters", ["{}"])[0]
        return {key: list(values) for key, values in json.loads(text).items()}

    def __call__(self, target: str) -> Reply:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        filters = self._filters(query)
        if path == "/containers/json":
            found = self.containers
            if query.get("all", ["0"])[0] not in ("1", "true"):
                found = [c for c in found if c["State"] == "running"]
            if "id" in filters:
                found = [c for c in found if any(re.search(f, c["Id"]) for f in filters["id"])]
            return json_reply(found)
        if match := re.fullmatch(r"/containers/([^/]+)/(json|top|changes|stats)", path):
            ref, what = match.groups()
            key = self._resolve(self.inspect, ref)
            if key is None:
                return json_reply({"message": f"No such container: {ref}"}, 404)
            if what == "top" and "ps_args" not in query:
                return json_reply({"message": "ps_args missing"}, 500)
            table = {"json": self.inspect, "top": self.top, "changes": self.changes}
            table["stats"] = self.stats
            if key not in table[what]:
                return json_reply({"message": f"container {key} is not running"}, 409)
            return json_reply(table[what][key])
        if path == "/images/json":
            return json_reply(self.images)
        if match := re.fullmatch(r"/images/([^/]+)/(json|history)", path):
            ref, what = match.groups()
            key = self._resolve(self.image_inspect, ref)
            if key is None:
                return json_reply({"message": f"No such image: {ref}"}, 404)
            return json_reply((self.image_inspect if what == "json" else self.history)[key])
        if path == "/networks":
            found = self.networks
            if "id" in filters:
                found = [n for n in found if any(n["Id"].startswith(f) for f in filters["id"])]
            return json_reply(found)
        if path == "/volumes":
            found = self.volumes["Volumes"]
            if "name" in filters:
                found = [v for v in found if any(f in v["Name"] for f in filters["name"])]
            return json_reply({"Volumes": found, "Warnings": None})
        if path in ("/info", "/version"):
            return json_reply(load("docker", path.strip("/") + ".json"))
        return json_reply({"message": "page not found"}, 404)


def lxd_sync(metadata: Any) -> Reply:
    """LXD's envelope of a synchronous answer."""
    envelope = {"type": "sync", "status": "Success", "status_code": 200, "operation": ""}
    return json_reply({**envelope, "error_code": 0, "error": "", "metadata": metadata})


def lxd_error(message: str, code: int) -> Reply:
    """LXD's envelope of an error answer."""
    document = {"type": "error", "error": message, "error_code": code, "metadata": None}
    return json_reply(document, code)


class LxdDaemon:
    """LXD REST API semantics over the recorded answers."""

    def __init__(self) -> None:
        self.instances = load("lxd", "instances.json")
        self.responses = load("lxd", "responses.json")

    def __call__(self, target: str) -> Reply:
        # /1.0/containers, the only spelling before LXD 3.19, lists no virtual machines.
        if target == "/1.0/containers?recursion=1":
            return lxd_sync([i for i in self.instances if i["type"] == "container"])
        if target.startswith("/1.0/containers/"):
            target = target.replace("/1.0/containers", "/1.0/instances", 1)
        if target == "/1.0/instances?recursion=1":
            return lxd_sync(self.instances)
        if match := re.fullmatch(r"/1\.0/instances/([^/?]+)", target):
            for instance in self.instances:
                if instance["name"] == unquote(match.group(1)):
                    return lxd_sync(instance)
            return lxd_error("Instance not found", 404)
        if target in self.responses:
            return lxd_sync(self.responses[target])
        if match := re.fullmatch(r"/1\.0/images/([0-9a-f]+)", target):
            images = self.responses["/1.0/images?recursion=1"]
            found = [i for i in images if i["fingerprint"].startswith(match.group(1))]
            if len(found) == 1:
                return lxd_sync(found[0])
        return lxd_error("not found", 404)


@pytest.fixture
def docker(tmp_path: Path) -> Iterator[ApiServer]:
    """A Docker daemon answering from recorded responses on tmp_path/docker.sock."""
    yield from ApiServer(tmp_path / "docker.sock", DockerEngine(), "docker_socket").serve()


@pytest.fixture
def lxd(tmp_path: Path) -> Iterator[ApiServer]:
    """An LXD daemon answering from recorded responses on tmp_path/lxd.sock."""
    yield from ApiServer(tmp_path / "lxd.sock", LxdDaemon(), "lxd_socket").serve()


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """Lower the per-request time limit so slow-server tests finish quickly."""
    monkeypatch.setattr("hostql.host.unix_http.DEFAULT_TIMEOUT", 0.5)
    return 0.5


Query = Callable[..., tuple[list[dict[str, Any]], list[str]]]


@pytest.fixture
def query() -> Query:
    """Run `SELECT columns FROM spec WHERE where`; returns (rows, warnings)."""

    def run(
        spec: TableSpec,
        where: str = "",
        *params: Any,
        flags: dict[str, Any],
        root: str | Path = "/",
        columns: str = "*",
    ) -> tuple[list[dict[str, Any]], list[str]]:
        engine = engine_for(spec, root=root, flags=flags)
        try:
            sql = f"SELECT {columns} FROM {spec.name}" + (f" WHERE {where}" if where else "")
            return engine.query(sql, *params), engine.take_warnings()
        finally:
            engine.close()

    return run
