"""augeas: configuration files parsed into a tree by libaugeas's lenses."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.augeas import AugeasError
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "augeas",
    "Configuration files parsed by augeas.",
    platforms=(LINUX, MACOS),
    aliases=("configurations",),
    examples=(
        "select * from augeas where path = '/etc/hosts'",
        "select label, value from augeas where node like '/files/etc/hosts/%'",
    ),
    notes="Uses libaugeas (Debian libaugeas0) with the lenses in --augeas_lenses (Debian "
    "augeas-lenses). path = X loads only that file when it is a regular file; node = X and "
    "queries without either load every file the lenses know.",
    columns=[
        Column("node", TEXT, "The node path of the configuration item", index=True),
        Column("value", TEXT, "The value of the configuration item"),
        Column("label", TEXT, "The label of the configuration item"),
        Column("path", TEXT, "The path to the configuration file", additional=True),
    ],
)
def augeas(ctx: QueryContext) -> Iterator[Row]:
    """A row per augeas node matching the node / path constraints (every node without them)."""
    nodes = {str(n) for n in ctx.equals("node") or ()}
    paths = {str(p) for p in ctx.equals("path") or ()}
    patterns = set(nodes)
    for path in paths:
        patterns.add(f"/files{path}")
        patterns.add(f"/files{path}//*")
    reader = ctx.host.augeas
    try:
        tree = reader.tree(str(ctx.flags["augeas_lenses"]))
        # Only path constraints name whole files; anything else needs every file loaded.
        if paths and not nodes and all(reader.is_file(p) for p in paths):
            tree.load(sorted(paths))
        else:
            tree.load()
        matched = list(tree.match("|".join(sorted(patterns)) if patterns else "/files//*"))
    except AugeasError as exc:
        ctx.warn(f"An error has occurred while trying to query augeas: {exc}")
        return
    for node in matched:
        yield {"node": node.node, "value": node.value, "label": node.label, "path": node.path}
