"""docker_container_stats: resource usage statistics of Docker containers."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import diff_nanos, utc_unix_time, valid_ids
from hostql.host.unix_http import field, integer, text, wrap_int64
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


def io_bytes(entries: object, op: str) -> int:
    """Sum of the blkio entries of one operation (Docker spells it Read or read)."""
    total = 0
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and text(entry.get("op")).lower() == op:
            total += integer(entry.get("value")) or 0
    return total


def network_bytes(networks: object, key: str) -> int:
    """Sum of one counter over every interface."""
    if not isinstance(networks, dict):
        return 0
    return sum(integer(field(n, key)) or 0 for n in networks.values())


@table(
    "docker_container_stats",
    "Docker container statistics. Queries on this table take at least one second.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_container_stats where id = 'de8cfdc74c850967'",
        "select * from docker_container_stats where id = "
        "'de8cfdc74c850967fd3832e128f4d12e2d5476a4aea282734bfb7e57f66fce2f'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group. "
    "Docker samples twice, about a second apart, for each container.",
    columns=[
        Column("id", TEXT, "Container ID", required=True, index=True, collate="NOCASE"),
        Column("name", TEXT, "Container name", index=True),
        Column("pids", INTEGER, "Number of processes"),
        Column("read", BIGINT, "UNIX time when stats were read"),
        Column("preread", BIGINT, "UNIX time when stats were last read"),
        Column("interval", BIGINT, "Difference between read and preread in nano-seconds"),
        Column("disk_read", BIGINT, "Total disk read bytes"),
        Column("disk_write", BIGINT, "Total disk write bytes"),
        Column("num_procs", INTEGER, "Number of processors"),
        Column("cpu_total_usage", BIGINT, "Total CPU usage"),
        Column("cpu_kernelmode_usage", BIGINT, "CPU kernel mode usage"),
        Column("cpu_usermode_usage", BIGINT, "CPU user mode usage"),
        Column("system_cpu_usage", BIGINT, "CPU system usage"),
        Column("online_cpus", INTEGER, "Online CPUs"),
        Column("pre_cpu_total_usage", BIGINT, "Last read total CPU usage"),
        Column("pre_cpu_kernelmode_usage", BIGINT, "Last read CPU kernel mode usage"),
        Column("pre_cpu_usermode_usage", BIGINT, "Last read CPU user mode usage"),
        Column("pre_system_cpu_usage", BIGINT, "Last read CPU system usage"),
        Column("pre_online_cpus", INTEGER, "Last read online CPUs"),
        Column("memory_usage", BIGINT, "Memory usage"),
        Column("memory_cached", BIGINT, "Memory cached"),
        Column("memory_inactive_file", BIGINT, "Memory inactive file"),
        Column("memory_total_inactive_file", BIGINT, "Memory total inactive file"),
        Column("memory_max_usage", BIGINT, "Memory maximum usage"),
        Column("memory_limit", BIGINT, "Memory limit"),
        Column("network_rx_bytes", BIGINT, "Total network bytes read"),
        Column("network_tx_bytes", BIGINT, "Total network bytes transmitted"),
    ],
)
def docker_container_stats(ctx: QueryContext) -> Iterator[Row]:
    """One row per queried container: one sample of GET /containers/<id>/stats."""
    ids = valid_ids(ctx.equals("id"))
    if not ids:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container_id in ids:
        stats = client.stats(container_id)
        if stats is None:
            continue
        read_text = text(stats.get("read"))
        preread_text = text(stats.get("preread"))
        read = utc_unix_time(read_text)
        preread = utc_unix_time(preread_text)
        blkio = field(stats, "blkio_stats", "io_service_bytes_recursive")
        memory = stats.get("memory_stats")
        cpu = stats.get("cpu_stats")
        precpu = stats.get("precpu_stats")
        yield {
            "id": container_id,
            "name": text(stats.get("name")),
            "pids": integer(field(stats, "pids_stats", "current")),
            "read": read,
            "preread": preread,
            # osquery's long arithmetic: the first sample's preread (year 1) overflows.
            "interval": wrap_int64(
                (read - preread) * 1_000_000_000 + diff_nanos(read_text, preread_text)
            ),
            "disk_read": io_bytes(blkio, "read"),
            "disk_write": io_bytes(blkio, "write"),
            "num_procs": integer(stats.get("num_procs")),
            "cpu_total_usage": integer(field(cpu, "cpu_usage", "total_usage")),
            "cpu_kernelmode_usage": integer(field(cpu, "cpu_usage", "usage_in_kernelmode")),
            "cpu_usermode_usage": integer(field(cpu, "cpu_usage", "usage_in_usermode")),
            "system_cpu_usage": integer(field(cpu, "system_cpu_usage")),
            "online_cpus": integer(field(cpu, "online_cpus")),
            "pre_cpu_total_usage": integer(field(precpu, "cpu_usage", "total_usage")),
            "pre_cpu_kernelmode_usage": integer(field(precpu, "cpu_usage", "usage_in_kernelmode")),
            "pre_cpu_usermode_usage": integer(field(precpu, "cpu_usage", "usage_in_usermode")),
            "pre_system_cpu_usage": integer(field(precpu, "system_cpu_usage")),
            "pre_online_cpus": integer(field(precpu, "online_cpus")),
            "memory_usage": integer(field(memory, "usage")),
            "memory_cached": integer(field(memory, "stats", "cache")),
            "memory_inactive_file": integer(field(memory, "stats", "inactive_file")),
            "memory_total_inactive_file": integer(field(memory, "stats", "total_inactive_file")),
            "memory_max_usage": integer(field(memory, "max_usage")),
            "memory_limit": integer(field(memory, "limit")),
            "network_rx_bytes": network_bytes(stats.get("networks"), "rx_bytes"),
            "network_tx_bytes": network_bytes(stats.get("networks"), "tx_bytes"),
        }
