"""docker_containers: the containers of a Docker daemon."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.docker_api import JsonObject, display_id, valid_ids
from hostql.host.unix_http import field, flag, integer, strings, text
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

INSPECTED = (
    "pid",
    "path",
    "config_entrypoint",
    "started_at",
    "finished_at",
    "privileged",
    "security_options",
    "env_variables",
    "readonly_rootfs",
)
NAMESPACES = ("cgroup", "ipc", "mnt", "net", "pid", "user", "uts")


def inspected(details: JsonObject, state: str) -> Row:
    """The columns osquery takes from GET /containers/<id>/json."""
    return {
        "pid": integer(field(details, "State", "Pid"), -1),
        "started_at": text(field(details, "State", "StartedAt")),
        # A running container reports the finish time of its previous run: osquery blanks it.
        "finished_at": "" if state == "running" else text(field(details, "State", "FinishedAt")),
        "privileged": flag(field(details, "HostConfig", "Privileged")),
        "readonly_rootfs": flag(field(details, "HostConfig", "ReadonlyRootfs")),
        "path": text(details.get("Path")),
        "config_entrypoint": ", ".join(strings(field(details, "Config", "Entrypoint"))),
        "security_options": ", ".join(strings(field(details, "HostConfig", "SecurityOpt"))),
        "env_variables": ", ".join(strings(field(details, "Config", "Env"))),
    }


@table(
    "docker_containers",
    "Docker containers information.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from docker_containers where id = "
        "'11b2399e1426d906e62a0c357650e363426d6c56dbe2f35cbaa9b452250e3355'",
        "select * from docker_containers where name = '/hello'",
    ),
    notes="Reads the Docker API at --docker_socket, which usually needs root or the docker group. "
    "Namespace columns read /proc/<pid>/ns, which needs root for other users.",
    columns=[
        Column("id", TEXT, "Container ID", index=True, collate="NOCASE"),
        Column("name", TEXT, "Container name", index=True),
        Column("image", TEXT, "Docker image (name) used to launch this container"),
        Column("image_id", TEXT, "Docker image ID", collate="NOCASE"),
        Column("command", TEXT, "Command with arguments"),
        Column("created", BIGINT, "Time of creation as UNIX time"),
        Column(
            "state",
            TEXT,
            "Container state (created, restarting, running, removing, paused, exited, dead)",
        ),
        Column("status", TEXT, "Container status information"),
        Column("pid", BIGINT, "Identifier of the initial process"),
        Column("path", TEXT, "Container path"),
        Column("config_entrypoint", TEXT, "Container entrypoint(s)"),
        Column("started_at", TEXT, "Container start time as string"),
        Column("finished_at", TEXT, "Container finish time as string"),
        Column("privileged", INTEGER, "Is the container privileged"),
        Column("security_options", TEXT, "List of container security options"),
        Column("env_variables", TEXT, "Container environmental variables"),
        Column("readonly_rootfs", INTEGER, "Is the root filesystem mounted as read only"),
        Column("cgroup_namespace", TEXT, "cgroup namespace", platforms=("linux",)),
        Column("ipc_namespace", TEXT, "IPC namespace", platforms=("linux",)),
        Column("mnt_namespace", TEXT, "Mount namespace", platforms=("linux",)),
        Column("net_namespace", TEXT, "Network namespace", platforms=("linux",)),
        Column("pid_namespace", TEXT, "PID namespace", platforms=("linux",)),
        Column("user_namespace", TEXT, "User namespace", platforms=("linux",)),
        Column("uts_namespace", TEXT, "UTS namespace", platforms=("linux",)),
    ],
)
def docker_containers(ctx: QueryContext) -> Iterator[Row]:
    """One row per container: running ones, or every container matching the queried ids."""
    ids = valid_ids(ctx.equals("id"))
    if ids == []:
        return
    names = ctx.equals("name")
    kinds = [kind for kind in NAMESPACES if ctx.uses(f"{kind}_namespace")]
    inspect = bool(kinds) or ctx.uses_any(INSPECTED)
    client = ctx.host.docker_api.client(ctx.flags["docker_socket"], ctx.warn)
    for container in client.containers(ids) or ():
        all_names = strings(container.get("Names"))
        name = all_names[0] if all_names else None
        if names is not None and name not in names:
            continue  # SQLite would drop the row: spare the inspect call
        state = text(container.get("State"))
        row: Row = {
            "id": display_id(container.get("Id"), ids),
            "name": name,
            "image": text(container.get("Image")),
            "image_id": text(container.get("ImageID")).removeprefix("sha256:"),
            "command": text(container.get("Command")),
            "created": integer(container.get("Created")),
            "state": state,
            "status": text(container.get("Status")),
        }
        details = client.inspect(row["id"]) if inspect else None
        if details is not None:
            row.update(inspected(details, state))
            pid = row["pid"]
            if isinstance(pid, int) and pid > 0:
                procfs = ctx.host.procfs
                for kind in kinds:
                    inode = procfs.namespace_inode(pid, kind)
                    row[f"{kind}_namespace"] = None if inode is None else str(inode)
        yield row
