"""carbon_black_info: the installed Carbon Black sensor's id, settings and queue sizes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.carbon_black import IniError, osquery_integer
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# Column -> key in the [CB] section of sensorsettings.ini.
SETTINGS = (
    ("collect_store_files", "CollectStoreFiles"),
    ("collect_module_loads", "CollectModuleLoads"),
    ("collect_module_info", "CollectModuleInfo"),
    ("collect_file_mods", "CollectFileMods"),
    ("collect_reg_mods", "CollectRegMods"),
    ("collect_net_conns", "CollectNetConns"),
    ("collect_cross_processes", "CollectCrossProcess"),
    ("collect_emet_events", "CollectEmetEvents"),
)
# Columns osquery's Linux reader always sets to 0 when settings exist.
ZEROED = (
    "collect_processes",
    "collect_data_file_writes",
    "collect_sensor_operations",
    "log_file_disk_quota_mb",
    "log_file_disk_quota_percentage",
    "protection_disabled",
    "collect_process_user_context",
)


@table(
    "carbon_black_info",
    "Returns info about a Carbon Black sensor install.",
    platforms=(LINUX, MACOS, WINDOWS),
    aliases=("cb_info",),
    examples=("select * from carbon_black_info", "select sensor_id, config_name from cb_info"),
    notes="Reads /var/lib/cb (sensor.id, sensorsettings.ini, queue files) as osquery's Linux "
    "reader does; without any of them there is no row (osquery returns an empty one). Like "
    "osquery, collect_processes and the other settings it does not read are 0, a missing "
    "[CB] setting is -1, and an ini file with duplicate names is ignored with a warning.",
    columns=[
        Column("sensor_id", INTEGER, "Sensor ID of the Carbon Black sensor"),
        Column("config_name", TEXT, "Sensor group"),
        Column(
            "collect_store_files",
            INTEGER,
            "If the sensor is configured to send back binaries to the Carbon Black server",
        ),
        Column(
            "collect_module_loads", INTEGER, "If the sensor is configured to capture module loads"
        ),
        Column(
            "collect_module_info",
            INTEGER,
            "If the sensor is configured to collect metadata of binaries",
        ),
        Column(
            "collect_file_mods",
            INTEGER,
            "If the sensor is configured to collect file modification events",
        ),
        Column(
            "collect_reg_mods",
            INTEGER,
            "If the sensor is configured to collect registry modification events",
        ),
        Column(
            "collect_net_conns",
            INTEGER,
            "If the sensor is configured to collect network connections",
        ),
        Column("collect_processes", INTEGER, "If the sensor is configured to process events"),
        Column(
            "collect_cross_processes",
            INTEGER,
            "If the sensor is configured to cross process events",
        ),
        Column("collect_emet_events", INTEGER, "If the sensor is configured to EMET events"),
        Column(
            "collect_data_file_writes",
            INTEGER,
            "If the sensor is configured to collect non binary file writes",
        ),
        Column(
            "collect_process_user_context",
            INTEGER,
            "If the sensor is configured to collect the user running a process",
        ),
        Column("collect_sensor_operations", INTEGER, "Unknown"),
        Column("log_file_disk_quota_mb", INTEGER, "Event file disk quota in MB"),
        Column("log_file_disk_quota_percentage", INTEGER, "Event file disk quota in a percentage"),
        Column(
            "protection_disabled",
            INTEGER,
            "If the sensor is configured to report tamper events",
        ),
        Column("sensor_ip_addr", TEXT, "IP address of the sensor"),
        Column("sensor_backend_server", TEXT, "Carbon Black server"),
        Column("event_queue", INTEGER, "Size in bytes of Carbon Black event files on disk"),
        Column(
            "binary_queue",
            INTEGER,
            "Size in bytes of binaries waiting to be sent to Carbon Black server",
        ),
    ],
)
def carbon_black_info(ctx: QueryContext) -> Iterator[Row]:
    """One row when the sensor is installed."""
    sensor = ctx.host.carbon_black
    if not sensor.installed():
        return
    row: Row = {}
    sensor_id = sensor.sensor_id()
    if sensor_id is not None:
        row["sensor_id"] = sensor_id
    try:
        settings = sensor.settings()
    except IniError as exc:
        ctx.warn(f"Error parsing ini file: {exc}")
        settings = None
    if settings is not None:
        row["config_name"] = settings.get("ConfigName", "").replace("%20", " ")
        for column, key in SETTINGS:
            row[column] = osquery_integer(settings.get(key, "-1"))
        row["sensor_backend_server"] = settings.get("SensorBackendServer", "").replace("%3A", ":")
        row.update(dict.fromkeys(ZEROED, 0))
        row["sensor_ip_addr"] = ""
    queues = sensor.queue_sizes()
    if queues is not None:
        row["binary_queue"], row["event_queue"] = queues
    yield row
