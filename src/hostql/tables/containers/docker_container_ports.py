"""docker_container_ports: the ports Docker containers expose and publish."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import display_id, valid_ids
from hostql.host.unix_http import integer, text
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "docker_container_ports",
    "Docker container ports.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_container_ports",
        "select * from docker_container_ports where id = '1234567890abcdef'",
        "select * from docker_container_ports where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Container ID", additional=True, collate="NOCASE"),
        Column("type", TEXT, "Protocol (tcp, udp)"),
        Column("port", INTEGER, "Port inside the container"),
        Column("host_ip", TEXT, "Host IP address on which public port is listening"),
        Column("host_port", INTEGER, "Host port"),
    ],
)
def docker_container_ports(ctx: QueryContext) -> Iterator[Row]:
    """One row per port of each container (running ones, or the queried ids)."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container in client.containers(ids) or ():
        ports = container.get("Ports")
        if not isinstance(ports, list):
            continue
        container_id = display_id(container.get("Id"), ids)
        for port in ports:
            if not isinstance(port, dict):
                continue
            yield {
                "id": container_id,
                "type": text(port.get("Type")),
                "port": integer(port.get("PrivatePort")),
                "host_ip": text(port.get("IP")),
                "host_port": integer(port.get("PublicPort")),
            }
