"""osquery_info: the running hostql process, reported in osquery's columns."""

from __future__ import annotations

import os
from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# osquery's platform bitmask on Linux: POSIX (0x01) | LINUX (0x08).
_LINUX_PLATFORM_MASK = 9


@table(
    "osquery_info",
    "Top level information about the running version of osquery.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=("select pid, version, config_valid from osquery_info",),
    notes="`version` is hostql's version; `build_distro` is the distribution hostql runs on.",
    columns=[
        Column("pid", INTEGER, "Process (or thread/handle) ID"),
        Column("uuid", TEXT, "Unique ID provided by the system", collate="NOCASE"),
        Column("instance_id", TEXT, "Unique, long-lived ID per instance of osquery"),
        Column("version", TEXT, "osquery toolkit version", collate="VERSION"),
        Column("config_hash", TEXT, "Hash of the working configuration state", collate="NOCASE"),
        Column("config_valid", INTEGER, "1 if the config was loaded and considered valid, else 0"),
        Column("extensions", TEXT, "osquery extensions status"),
        Column("build_platform", TEXT, "osquery toolkit build platform"),
        Column("build_distro", TEXT, "osquery toolkit platform distribution name (os version)"),
        Column("start_time", INTEGER, "UNIX time in seconds when the process started"),
        Column("watcher", INTEGER, "Process (or thread/handle) ID of optional watcher process"),
        Column("platform_mask", INTEGER, "The osquery platform bitmask"),
    ],
)
def osquery_info(ctx: QueryContext) -> Iterator[Row]:
    """One row describing this process."""
    from hostql import __version__

    runtime = ctx.runtime
    yield {
        "pid": os.getpid(),
        "uuid": ctx.host.identity.hardware_uuid(),
        "instance_id": runtime.instance_id,
        "version": __version__,
        "config_hash": runtime.config_hash,
        "config_valid": int(runtime.config_valid),
        "extensions": "active" if runtime.extensions else "inactive",
        "build_platform": "linux",
        "build_distro": _distro(ctx),
        "start_time": runtime.start_time,
        "watcher": runtime.watcher,
        "platform_mask": _LINUX_PLATFORM_MASK,
    }


def _distro(ctx: QueryContext) -> str:
    """ID and VERSION_ID of /etc/os-release, e.g. debian12."""
    fields: dict[str, str] = {}
    try:
        text = ctx.host.path("/etc/os-release").read_text()
    except OSError:
        return ""
    for line in text.splitlines():
        key, _, value = line.partition("=")
        fields[key.strip()] = value.strip().strip('"')
    return fields.get("ID", "") + fields.get("VERSION_ID", "").split(".")[0]
