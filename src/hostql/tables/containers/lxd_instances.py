"""lxd_instances: the instances (containers and VMs) of an LXD server."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.lxd_api import JsonObject
from hostql.host.unix_http import field, flag, integer, text
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

METADATA = ("architecture", "os", "description")
STATE = ("pid", "processes")


@table(
    "lxd_instances",
    "LXD instances information.",
    platforms=(LINUX,),
    examples=("select * from lxd_instances", "select * from lxd_instances where name = 'hello'"),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("name", TEXT, "Instance name", index=True),
        Column("status", TEXT, "Instance state (running, stopped, etc.)"),
        Column("stateful", INTEGER, "Whether the instance is stateful(1) or not(0)"),
        Column("ephemeral", INTEGER, "Whether the instance is ephemeral(1) or not(0)"),
        Column("created_at", TEXT, "ISO time of creation"),
        Column("base_image", TEXT, "ID of image used to launch this instance"),
        Column("architecture", TEXT, "Instance architecture"),
        Column("os", TEXT, "The OS of this instance"),
        Column("description", TEXT, "Instance description"),
        Column("pid", INTEGER, "Instance's process ID"),
        Column("processes", INTEGER, "Number of processes running inside this instance"),
    ],
)
def lxd_instances(ctx: QueryContext) -> Iterator[Row]:
    """One row per instance (or per queried name), with its image metadata and state."""
    names = ctx.equals("name")
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    found: list[JsonObject]
    if names is None:
        found = client.instances() or []
    else:
        found = [i for n in sorted(map(str, names)) if (i := client.instance(n)) is not None]
    for instance in found:
        name = instance.get("name")
        if not isinstance(name, str):
            ctx.warn("lxd_instances: skipped an instance without a name")
            continue
        row: Row = {
            "name": name,
            "status": text(instance.get("status")),
            "stateful": flag(instance.get("stateful")),
            "ephemeral": flag(instance.get("ephemeral")),
            "created_at": text(instance.get("created_at")),
            "base_image": text(field(instance, "config", "volatile.base_image")),
        }
        if ctx.uses_any(METADATA):
            properties = field(client.instance_metadata(name), "properties")
            if isinstance(properties, dict):
                for key in METADATA:
                    if key in properties:
                        row[key] = text(properties[key])
        if ctx.uses_any(STATE):
            state = client.instance_state(name)
            if state is not None:
                row["pid"] = integer(state.get("pid"), None)
                row["processes"] = integer(state.get("processes"), None)
        yield row
