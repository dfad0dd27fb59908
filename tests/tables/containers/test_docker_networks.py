"""docker_networks: GET /networks, id pushdown, creation time read as local time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from hostql.tables.containers.docker_networks import docker_networks

BRIDGE = "2abbb94dae4414e409d2c160168e78145e2c24dfda824d43a98b4b22cfbadd7d"
APP = "42803ebb6acec230200a210d003a6b723b985acd6605793f6f93e1c381182a86"
HOST = "06960b01089df9d37ac792d6920b2d20da23a728b87147742ec7913d49ad6b61"


@pytest.fixture
def timezone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_networks(docker, query, timezone) -> None:
    timezone("UTC0")
    rows, warnings = query(docker_networks, flags=docker.flags)
    assert rows == [
        {
            "id": BRIDGE,
            "name": "bridge",
            "driver": "bridge",
            "created": 1709280729,
            "enable_ipv6": 0,
            "subnet": "172.17.0.0/16",
            "gateway": "172.17.0.1",
        },
        {
            "id": APP,
            "name": "shop_app",
            "driver": "bridge",
            "created": 1709391319,
            "enable_ipv6": 1,
            "subnet": "172.20.0.0/16",
            "gateway": "172.20.0.1",
        },
        # IPAM.Config is null for the host network: no subnet.
        {
            "id": HOST,
            "name": "host",
            "driver": "host",
            "created": 1704877200,
            "enable_ipv6": 0,
            "subnet": None,
            "gateway": None,
        },
    ]
    assert warnings == []
    assert docker.paths() == ["/networks"]


def test_creation_time_is_read_as_local_time_like_osquery(docker, query, timezone) -> None:
    timezone("JST-9")
    rows, _ = query(docker_networks, "id = ?", BRIDGE[:12], flags=docker.flags, columns="created")
    assert rows == [{"created": 1709280729 - 9 * 3600}]


def test_id_pushdown(docker, query) -> None:
    rows, _ = query(docker_networks, "id = ?", APP[:12], flags=docker.flags, columns="id, name")
    assert rows == [{"id": APP[:12], "name": "shop_app"}]
    assert docker.paths() == [f'/networks?filters={{"id":{{"{APP[:12]}":true}}}}']
