"""docker_info: the Docker daemon's system-wide information."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import flag, integer, text
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

FLAGS = {
    "memory_limit": "MemoryLimit",
    "swap_limit": "SwapLimit",
    "kernel_memory": "KernelMemory",
    "cpu_cfs_period": "CpuCfsPeriod",
    "cpu_cfs_quota": "CpuCfsQuota",
    "cpu_shares": "CPUShares",
    "cpu_set": "CPUSet",
    "ipv4_forwarding": "IPv4Forwarding",
    "bridge_nf_iptables": "BridgeNfIptables",
    "bridge_nf_ip6tables": "BridgeNfIp6tables",
    "oom_kill_disable": "OomKillDisable",
}
TEXTS = {
    "logging_driver": "LoggingDriver",
    "cgroup_driver": "CgroupDriver",
    "kernel_version": "KernelVersion",
    "os": "OperatingSystem",
    "os_type": "OSType",
    "architecture": "Architecture",
    "http_proxy": "HttpProxy",
    "https_proxy": "HttpsProxy",
    "no_proxy": "NoProxy",
    "name": "Name",
    "server_version": "ServerVersion",
    "root_dir": "DockerRootDir",
}


@table(
    "docker_info",
    "Docker system information.",
    platforms=(LINUX, MACOS),
    cacheable=True,
    examples=("select * from docker_info",),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("id", TEXT, "Docker system ID", collate="NOCASE"),
        Column("containers", INTEGER, "Total number of containers"),
        Column("containers_running", INTEGER, "Number of containers currently running"),
        Column("containers_paused", INTEGER, "Number of containers in paused state"),
        Column("containers_stopped", INTEGER, "Number of containers in stopped state"),
        Column("images", INTEGER, "Number of images"),
        Column("storage_driver", TEXT, "Storage driver"),
        Column("memory_limit", INTEGER, "1 if memory limit support is enabled. 0 otherwise"),
        Column("swap_limit", INTEGER, "1 if swap limit support is enabled. 0 otherwise"),
        Column(
            "kernel_memory", INTEGER, "1 if kernel memory limit support is enabled. 0 otherwise"
        ),
        Column(
            "cpu_cfs_period",
            INTEGER,
            "1 if CPU Completely Fair Scheduler (CFS) period support is enabled. 0 otherwise",
        ),
        Column(
            "cpu_cfs_quota",
            INTEGER,
            "1 if CPU Completely Fair Scheduler (CFS) quota support is enabled. 0 otherwise",
        ),
        Column("cpu_shares", INTEGER, "1 if CPU share weighting support is enabled. 0 otherwise"),
        Column("cpu_set", INTEGER, "1 if CPU set selection support is enabled. 0 otherwise"),
        Column("ipv4_forwarding", INTEGER, "1 if IPv4 forwarding is enabled. 0 otherwise"),
        Column(
            "bridge_nf_iptables", INTEGER, "1 if bridge netfilter iptables is enabled. 0 otherwise"
        ),
        Column(
            "bridge_nf_ip6tables",
            INTEGER,
            "1 if bridge netfilter ip6tables is enabled. 0 otherwise",
        ),
        Column("oom_kill_disable", INTEGER, "1 if Out-of-memory kill is disabled. 0 otherwise"),
        Column("logging_driver", TEXT, "Logging driver"),
        Column("cgroup_driver", TEXT, "Control groups driver"),
        Column("kernel_version", TEXT, "Kernel version", collate="VERSION"),
        Column("os", TEXT, "Operating system"),
        Column("os_type", TEXT, "Operating system type"),
        Column("architecture", TEXT, "Hardware architecture"),
        Column("cpus", INTEGER, "Number of CPUs"),
        Column("memory", BIGINT, "Total memory"),
        Column("http_proxy", TEXT, "HTTP proxy"),
        Column("https_proxy", TEXT, "HTTPS proxy"),
        Column(
            "no_proxy",
            TEXT,
            "Comma-separated list of domain extensions proxy should not be used for",
        ),
        Column("name", TEXT, "Name of the docker host"),
        Column("server_version", TEXT, "Server version", collate="VERSION"),
        Column("root_dir", TEXT, "Docker root directory"),
    ],
)
def docker_info(ctx: QueryContext) -> Iterator[Row]:
    """One row: GET /info."""
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    info = client.info()
    if info is None:
        return
    row: Row = {
        "id": text(info.get("ID")),
        "containers": integer(info.get("Containers")),
        "containers_running": integer(info.get("ContainersRunning")),
        "containers_paused": integer(info.get("ContainersPaused")),
        "containers_stopped": integer(info.get("ContainersStopped")),
        "images": integer(info.get("Images")),
        "storage_driver": text(info.get("Driver")),
        "cpus": integer(info.get("NCPU")),
        "memory": integer(info.get("MemTotal")),
    }
    row.update((column, flag(info.get(key))) for column, key in FLAGS.items())
    row.update((column, text(info.get(key))) for column, key in TEXTS.items())
    yield row
