"""docker_version: the Docker daemon's version."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.unix_http import text
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

KEYS = {
    "version": "Version",
    "api_version": "ApiVersion",
    "min_api_version": "MinAPIVersion",
    "git_commit": "GitCommit",
    "go_version": "GoVersion",
    "os": "Os",
    "arch": "Arch",
    "kernel_version": "KernelVersion",
    "build_time": "BuildTime",
}


@table(
    "docker_version",
    "Docker version information.",
    platforms=(LINUX, MACOS),
    cacheable=True,
    examples=("select version from docker_version",),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group.",
    columns=[
        Column("version", TEXT, "Docker version", collate="VERSION"),
        Column("api_version", TEXT, "API version", collate="VERSION"),
        Column("min_api_version", TEXT, "Minimum API version supported", collate="VERSION"),
        Column("git_commit", TEXT, "Docker build git commit"),
        Column("go_version", TEXT, "Go version", collate="VERSION"),
        Column("os", TEXT, "Operating system"),
        Column("arch", TEXT, "Hardware architecture"),
        Column("kernel_version", TEXT, "Kernel version", collate="VERSION"),
        Column("build_time", TEXT, "Build time"),
    ],
)
def docker_version(ctx: QueryContext) -> Iterator[Row]:
    """One row: GET /version."""
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    version = client.version()
    if version is not None:
        yield {column: text(version.get(key)) for column, key in KEYS.items()}
