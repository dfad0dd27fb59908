"""docker_container_networks: NetworkSettings.Networks of each listed container."""

from __future__ import annotations

from hostql.tables.containers.docker_container_networks import docker_container_networks

WEB = "4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2"
DB = "7bdc25d1694ef984782a16f6f1710c1c6bc83ba7a131b515baf532bea021d011"
BRIDGE = "2abbb94dae4414e409d2c160168e78145e2c24dfda824d43a98b4b22cfbadd7d"
APP = "42803ebb6acec230200a210d003a6b723b985acd6605793f6f93e1c381182a86"


def test_networks_of_running_containers(docker, query) -> None:
    rows, warnings = query(docker_container_networks, flags=docker.flags)
    assert rows == [
        {
            "id": WEB,
            "name": "bridge",
            "network_id": BRIDGE,
            "endpoint_id": "1ef9236bcbabbec15ec3ea69a91db4f67cac63b3229a057fb2391ea1936d757e",
            "gateway": "172.17.0.1",
            "ip_address": "172.17.0.2",
            "ip_prefix_len": 16,
            "ipv6_gateway": "",
            "ipv6_address": "",
            "ipv6_prefix_len": 0,
            "mac_address": "02:42:ac:11:00:02",
        },
        {
            "id": WEB,
            "name": "shop_app",
            "network_id": APP,
            "endpoint_id": "e9a98a462ac5a769b32b9160a9a68b7a6c41385daa4e67f4a60c88510150a869",
            "gateway": "172.20.0.1",
            "ip_address": "172.20.0.3",
            "ip_prefix_len": 16,
            "ipv6_gateway": "fd00:20::1",
            "ipv6_address": "fd00:20::3",
            "ipv6_prefix_len": 64,
            "mac_address": "02:42:ac:14:00:03",
        },
        {
            "id": DB,
            "name": "shop_app",
            "network_id": APP,
            "endpoint_id": "6ff55f24a33b39d5d90636bc011a6dc6c291dc01eb1f9dcc12e06ad3b4bca8a8",
            "gateway": "172.20.0.1",
            "ip_address": "172.20.0.2",
            "ip_prefix_len": 16,
            "ipv6_gateway": "fd00:20::1",
            "ipv6_address": "fd00:20::2",
            "ipv6_prefix_len": 64,
            "mac_address": "02:42:ac:14:00:02",
        },
    ]
    assert warnings == []


def test_id_pushdown_with_a_stopped_container(docker, query) -> None:
    job = "5e8c9902207afaeb7120430c585a445f21e92932081d64bc99f80e4925bcb002"
    rows, _ = query(docker_container_networks, "id = ?", job, flags=docker.flags)
    assert rows == []
    assert docker.paths() == [f'/containers/json?all=1&filters={{"id":{{"{job}":true}}}}']
