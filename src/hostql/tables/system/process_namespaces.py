"""process_namespaces: the namespaces each process lives in (/proc/<pid>/ns)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

KINDS = ("cgroup", "ipc", "mnt", "net", "pid", "user", "uts")


@table(
    "process_namespaces",
    "Linux namespaces for processes running on the host system.",
    platforms=(LINUX,),
    examples=("select * from process_namespaces where pid = 1",),
    notes="Other users' processes need root; a namespace that cannot be read is NULL.",
    columns=[
        Column("pid", INTEGER, "Process (or thread) ID", index=True, optimized=True),
        Column("cgroup_namespace", TEXT, "cgroup namespace inode"),
        Column("ipc_namespace", TEXT, "ipc namespace inode"),
        Column("mnt_namespace", TEXT, "mnt namespace inode"),
        Column("net_namespace", TEXT, "net namespace inode"),
        Column("pid_namespace", TEXT, "pid namespace inode"),
        Column("user_namespace", TEXT, "user namespace inode"),
        Column("uts_namespace", TEXT, "uts namespace inode"),
    ],
)
def process_namespaces(ctx: QueryContext) -> Iterator[Row]:
    """One row per process: the inode of each of its namespace links."""
    procfs = ctx.host.procfs
    kinds = [kind for kind in KINDS if ctx.uses(f"{kind}_namespace")]
    for pid in procfs.pids(ctx.equals("pid")):
        row: Row = {"pid": pid}
        for kind in kinds:
            inode = procfs.namespace_inode(pid, kind)
            row[f"{kind}_namespace"] = None if inode is None else str(inode)
        yield row
