"""startup_items: XDG autostart entries, init.d scripts and systemd units."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.startup import INIT_SCRIPTS, XDG_AUTOSTART, BusError
from hostql.schema import LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "startup_items",
    "Applications and binaries set as startup items.",
    platforms=(LINUX, MACOS, WINDOWS),
    cacheable=True,
    examples=("select name, path, status from startup_items where type = 'systemd unit'",),
    notes="Linux, in osquery's order: each home's ~/.config/autostart/ (.desktop Name= and "
    "Exec=) and ~/.config/autostart-scripts/, then /etc/init.d/ and /etc/xdg/autostart/ (all "
    "'Startup Item', 'enabled'), then every unit loaded by systemd (ListUnits over the system "
    "D-Bus): type 'systemd unit', status its active state, path its FragmentPath, source its "
    "SourcePath, username the service's User. Without a system bus (no systemd) the units are "
    "left out with a warning.",
    columns=[
        Column("name", TEXT, "Name of startup item"),
        Column("path", TEXT, "Path of startup item"),
        Column("args", TEXT, "Arguments provided to startup executable"),
        Column(
            "type",
            TEXT,
            "Type of startup item. On macOS this can be app, agent (LaunchAgent), daemon "
            "(LaunchDaemon), login item, or user item.",
        ),
        Column(
            "source",
            TEXT,
            "Directory containing startup item (on macOS, the subsystem providing it)",
        ),
        Column(
            "status",
            TEXT,
            "Startup status. On Linux: enabled or disabled. On macOS: Combination of enabled, "
            "allowed, notified, and hidden. Apple does not seem to document these status "
            "values, but allowed seems to indicate whether it is enabled in System Settings.",
        ),
        Column("username", TEXT, "The user associated with the startup item"),
    ],
)
def startup_items(ctx: QueryContext) -> Iterator[Row]:
    """Autostart entries of every home, the system script and XDG directories, systemd units."""
    reader = ctx.host.startup
    try:
        users = ctx.host.accounts.users()
    except (FileNotFoundError, PermissionError):
        users = []
    for home in sorted({u.directory for u in users if u.directory}):
        # boost::filesystem appends "/.config/..." to the home verbatim.
        yield from reader.autostart_items(home + "/.config/autostart/")
        yield from reader.autostart_scripts(home + "/.config/autostart-scripts/")
    yield from reader.autostart_scripts(INIT_SCRIPTS)
    yield from reader.autostart_items(XDG_AUTOSTART)
    try:
        units = reader.systemd_units()
    except BusError as exc:
        ctx.warn(f"startup_items: failed to enumerate the systemd services: {exc}")
        return
    for unit in units:
        yield {
            "name": unit.name,
            "path": unit.fragment_path,
            "type": "systemd unit",
            "source": unit.source_path,
            "status": unit.active_state,
            "username": unit.user,
        }
