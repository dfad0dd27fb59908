"""docker_container_processes: the processes running in Docker containers."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import valid_ids
from hostql.host.unix_http import text
from hostql.schema import BIGINT, DOUBLE, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

FIELDS = 21


@table(
    "docker_container_processes",
    "Docker container processes.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_container_processes where id = '1234567890abcdef'",
        "select * from docker_container_processes where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Container ID", required=True, index=True, collate="NOCASE"),
        Column("pid", BIGINT, "Process ID", index=True),
        Column("name", TEXT, "The process path or shorthand argv[0]"),
        Column("cmdline", TEXT, "Complete argv"),
        Column("state", TEXT, "Process state"),
        Column("uid", BIGINT, "User ID"),
        Column("gid", BIGINT, "Group ID"),
        Column("euid", BIGINT, "Effective user ID"),
        Column("egid", BIGINT, "Effective group ID"),
        Column("suid", BIGINT, "Saved user ID"),
        Column("sgid", BIGINT, "Saved group ID"),
        Column("wired_size", BIGINT, "Bytes of unpageable memory used by process"),
        Column("resident_size", BIGINT, "Bytes of private memory used by process"),
        Column("total_size", BIGINT, "Total virtual memory size"),
        Column("start_time", BIGINT, "Process start in seconds since boot (non-sleeping)"),
        Column("parent", BIGINT, "Process parent's PID"),
        Column("pgroup", BIGINT, "Process group"),
        Column("threads", INTEGER, "Number of threads used by process"),
        Column("nice", INTEGER, "Process nice level (-20 to 20, default 0)"),
        Column("user", TEXT, "User name"),
        Column("time", TEXT, "Cumulative CPU time. [DD-]HH:MM:SS format"),
        Column("cpu", DOUBLE, "CPU utilization as percentage"),
        Column("mem", DOUBLE, "Memory utilization as percentage"),
    ],
)
def docker_container_processes(ctx: QueryContext) -> Iterator[Row]:
    """One row per process `ps` lists inside each queried container."""
    ids = valid_ids(ctx.equals("id"))
    if not ids:
        return
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container_id in ids:
        top = client.top(container_id)
        processes = top.get("Processes") if top is not None else None
        if not isinstance(processes, list):
            continue
        for entry in processes:
            if not isinstance(entry, list) or len(entry) != FIELDS:
                ctx.warn(f"docker_container_processes: {container_id}: unexpected ps row")
                continue
            v = [text(value) for value in entry]
            # Numbers stay text, as osquery hands them to SQLite: etime ([[dd-]hh:]mm:ss)
            # never parses, so start_time is NULL; rss and vsz are KiB times 1000.
            yield {
                "id": container_id,
                "pid": v[0],
                "state": v[1],
                "uid": v[2],
                "gid": v[3],
                "euid": v[4],
                "egid": v[5],
                "suid": v[6],
                "sgid": v[7],
                "wired_size": 0,
                "resident_size": v[8] + "000",
                "total_size": v[9] + "000",
                "start_time": v[10],
                "parent": v[11],
                "pgroup": v[12],
                "threads": v[13],
                "nice": v[14],
                "user": v[15],
                "time": v[16],
                "cpu": v[17],
                "mem": v[18],
                "name": v[19],
                "cmdline": v[20],
            }
