"""lxd_instance_devices: the devices of LXD instances."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import text
from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "lxd_instance_devices",
    "LXD instance devices information.",
    platforms=(LINUX,),
    examples=("select * from lxd_instance_devices where name = 'hello'",),
    notes="Reads the LXD API at --lxd_socket, which usually needs root or the lxd group.",
    columns=[
        Column("name", TEXT, "Instance name", required=True, index=True),
        Column("device", TEXT, "Name of the device"),
        Column("device_type", TEXT, "Device type"),
        Column("key", TEXT, "Device info param name"),
        Column("value", TEXT, "Device info param value"),
    ],
)
def lxd_instance_devices(ctx: QueryContext) -> Iterator[Row]:
    """One row per setting (other than its type) of each expanded device of queried instances."""
    names = ctx.equals("name")
    if not names:
        return
    client = ctx.host.lxd_api.client(ctx.flags["lxd_socket"], ctx.warn)
    for name in sorted(map(str, names)):
        devices = (client.instance(name) or {}).get("expanded_devices")
        if not isinstance(devices, dict):
            continue
        for device, settings in devices.items():
            if not isinstance(settings, dict):
                continue
            device_type = text(settings.get("type"))
            for key, value in settings.items():
                if key != "type":
                    yield {
                        "name": name,
                        "device": device,
                        "device_type": device_type,
                        "key": key,
                        "value": text(value),
                    }
