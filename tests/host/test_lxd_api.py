"""lxd_api: instance URLs, the socket path, and a missing daemon."""

from __future__ import annotations

from pathlib import Path

from hostql.host import Host
from hostql.host.lxd_api import strip_instance_url


def test_strip_instance_url() -> None:
    assert strip_instance_url("/1.0/instances/web1") == "web1"
    assert strip_instance_url("/1.0/containers/legacy") == "legacy"
    assert strip_instance_url("/1.0/profiles/default") == "/1.0/profiles/default"


def test_a_missing_socket_is_silent(tmp_path: Path) -> None:
    warnings: list[str] = []
    client = Host(tmp_path).lxd_api.client("/var/lib/lxd/unix.socket", warnings.append)
    assert client.socket_path == str(tmp_path / "var/lib/lxd/unix.socket")
    assert client.instances() is None
    assert client.instance("web1") is None
    assert client.networks() is None
    assert client.missing
    assert warnings == []
