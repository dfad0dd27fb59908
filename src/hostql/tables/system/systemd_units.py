"""systemd_units: the units systemd's manager lists over D-Bus, with their unit file details."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hostql.host.dbus import DBusError, Variant
from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

if TYPE_CHECKING:
    from hostql.host.dbus import Connection

_log = logging.getLogger(__name__)

SYSTEMD = "org.freedesktop.systemd1"
MANAGER_PATH = "/org/freedesktop/systemd1"
MANAGER = "org.freedesktop.systemd1.Manager"
PROPERTIES = "org.freedesktop.DBus.Properties"
# Column, property, interface: the per-unit properties osquery asks for.
UNIT_PROPERTIES = (
    ("fragment_path", "FragmentPath", "org.freedesktop.systemd1.Unit"),
    ("source_path", "SourcePath", "org.freedesktop.systemd1.Unit"),
    ("unit_file_state", "UnitFileState", "org.freedesktop.systemd1.Unit"),
    ("user", "User", "org.freedesktop.systemd1.Service"),
)


@table(
    "systemd_units",
    "Track systemd units.",
    platforms=(LINUX,),
    examples=(
        "select id, active_state, sub_state, unit_file_state from systemd_units",
        "select id, fragment_path from systemd_units where active_state = 'failed'",
    ),
    notes="Reads systemd's Manager.ListUnits and each unit's properties over the system bus "
    "(DBUS_SYSTEM_BUS_ADDRESS when set, else /var/run/dbus/system_bus_socket). No bus or no "
    "systemd on it: no rows. A property a unit lacks (User of a non-service) is empty.",
    columns=[
        Column("id", TEXT, "Unique unit identifier"),
        Column("description", TEXT, "Unit description"),
        Column("load_state", TEXT, "Reflects whether the unit definition was properly loaded"),
        Column(
            "active_state",
            TEXT,
            "The high-level unit activation state, i.e. generalization of SUB",
        ),
        Column(
            "sub_state", TEXT, "The low-level unit activation state, values depend on unit type"
        ),
        Column(
            "unit_file_state",
            TEXT,
            "Whether the unit file is enabled, e.g. `enabled`, `masked`, `disabled`, etc",
        ),
        Column("following", TEXT, "The name of another unit that this unit follows in state"),
        Column("object_path", TEXT, "The object path for this unit"),
        Column("job_id", BIGINT, "Next queued job id"),
        Column("job_type", TEXT, "Job type"),
        Column("job_path", TEXT, "The object path for the job"),
        Column(
            "fragment_path", TEXT, "The unit file path this unit was read from, if there is any"
        ),
        Column("user", TEXT, "The configured user, if any"),
        Column("source_path", TEXT, "Path to the (possibly generated) unit configuration file"),
    ],
)
def systemd_units(ctx: QueryContext) -> Iterator[Row]:
    """A row per unit ListUnits returns; unit properties are asked only when the query uses them."""
    try:
        bus = ctx.host.dbus.system_bus()
    except (OSError, ValueError, DBusError) as exc:
        _log.debug("no system bus: %s", exc)
        return
    with bus:
        try:
            (units,) = bus.call(SYSTEMD, MANAGER_PATH, MANAGER, "ListUnits")
        except (OSError, ValueError, DBusError) as exc:
            ctx.warn(f"Failed to generate the systemd unit list: {exc}")
            return
        # A reply of another shape has nothing to read from it.
        units = [u for u in units if isinstance(u, tuple) and len(u) == 10]
        wanted = [p for p in UNIT_PROPERTIES if ctx.uses(p[0])]
        values = _properties(ctx, bus, units, wanted)
        for index, unit in enumerate(units):
            row: Row = {
                "id": unit[0],
                "description": unit[1],
                "load_state": unit[2],
                "active_state": unit[3],
                "sub_state": unit[4],
                "following": unit[5],
                "object_path": unit[6],
                "job_id": unit[7],
                "job_type": unit[8],
                "job_path": unit[9],
            }
            for position, (column, _, _) in enumerate(wanted):
                row[column] = values[index * len(wanted) + position]
            yield row


def _properties(
    ctx: QueryContext,
    bus: Connection,
    units: list[tuple[Any, ...]],
    wanted: list[tuple[str, str, str]],
) -> list[str]:
    """Each unit's wanted string properties, unit by unit; '' where one cannot be read."""
    calls = [
        (SYSTEMD, str(unit[6]), PROPERTIES, "Get", "ss", (interface, name))
        for unit in units
        for _, name, interface in wanted
    ]
    if not calls:
        return []
    try:
        replies = bus.call_many(calls)
    except (OSError, ValueError) as exc:
        ctx.warn(f"Failed to query systemd unit properties: {exc}")
        return [""] * len(calls)
    values = []
    for (_, path, _, _, _, (_, name)), reply in zip(calls, replies, strict=True):
        value = reply[0] if isinstance(reply, tuple) and reply else None
        if isinstance(value, Variant) and isinstance(value.value, str):
            values.append(value.value)
            continue
        # osquery expects User to be missing on units that are not services.
        if name != "User":
            ctx.warn(f"Failed to query the property {name} on the following systemd unit: {path}")
        values.append("")
    return values
