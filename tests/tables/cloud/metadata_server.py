"""A fake cloud metadata service on 127.0.0.1 and fixture DMI trees (not a test module)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# (method, path with query) -> (status, body); a missing route answers 404.
Routes = dict[tuple[str, str], tuple[int, str]]
Seen = list[tuple[str, str, dict[str, str]]]


def dmi_tree(root: Path, **fields: str) -> Path:
    """A /sys/class/dmi/id (and /sys/hypervisor/uuid via hypervisor_uuid=) under root."""
    dmi = root / "sys/class/dmi/id"
    dmi.mkdir(parents=True, exist_ok=True)
    for name, value in fields.items():
        if name == "hypervisor_uuid":
            (root / "sys/hypervisor").mkdir(parents=True, exist_ok=True)
            (root / "sys/hypervisor/uuid").write_text(value + "\n")
        else:
            (dmi / name).write_text(value + "\n")
    return root


@contextmanager
def metadata_service(routes: Routes) -> Iterator[tuple[str, Seen]]:
    """Serve routes on 127.0.0.1; yields the base URL and the requests seen."""
    seen: Seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen.append((self.command, self.path, dict(self.headers.items())))
            status, body = routes.get((self.command, self.path), (404, "Not Found"))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
