"""npm_packages: Node packages in node_modules trees of global and given directories."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.npm_trees import DEFAULT_MAX_DEPTH
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "npm_packages",
    "Node packages installed in a system.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from npm_packages",
        "select * from npm_packages where directory = '/home/user/my_project'",
        "select * from npm_packages where directory = '/home/user/my_project' and max_depth = 0",
        "select name, version, depth from npm_packages where depth > 0",
    ),
    notes="Without a directory constraint searches /usr/lib, /usr/local/lib, /opt/homebrew/lib, "
    "/home/*/.npm-global/lib and /home/*/.nvm/versions/node/*/lib (directory ends with '/' as "
    "osquery's glob marks it). node_modules/*/package.json and node_modules/@scope/*/"
    "package.json are read, then nested node_modules up to max_depth (default 100, -1 "
    "unlimited; a symlink loop is walked once). Unlike osquery, a package.json that cannot be "
    "read or parsed (a UTF-8 BOM is accepted) is skipped with a warning instead of giving a "
    "row of NULLs. pid_with_namespace is not supported.",
    columns=[
        Column("name", TEXT, "Package display name"),
        Column("version", TEXT, "Package-supplied version", collate="VERSION"),
        Column("description", TEXT, "Package-supplied description"),
        Column("author", TEXT, "Package-supplied author"),
        Column("license", TEXT, "License under which package is launched"),
        Column("homepage", TEXT, "Package supplied homepage"),
        Column("path", TEXT, "Path at which this module resides"),
        Column(
            "directory",
            TEXT,
            "Directory where node_modules are located",
            index=True,
            optimized=True,
        ),
        Column("depth", INTEGER, "Nesting depth of the package (0 = direct dependency)"),
        Column(
            "max_depth",
            INTEGER,
            "Maximum depth to search for nested packages (default 100, -1 = unlimited)",
            hidden=True,
            additional=True,
        ),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
        Column("mount_namespace_id", TEXT, "Mount namespace id", hidden=True, platforms=("linux",)),
    ],
)
def npm_packages(ctx: QueryContext) -> Iterator[Row]:
    """One row per package.json of each searched tree."""
    reader = ctx.host.npm_trees
    max_depth = _max_depth(ctx.equals("max_depth"))
    directories = ctx.equals("directory")
    if directories is not None:
        sites = sorted(d for d in directories if isinstance(d, str))
    else:
        sites = reader.sites()
    for site in sites:
        for package in reader.packages(site, max_depth, ctx.warn):
            yield {
                **package.fields,
                "path": package.path,
                "directory": site,
                "depth": package.depth,
                "max_depth": max_depth,
                "pid_with_namespace": 0,
            }


def _max_depth(values: set[object] | None) -> int:
    """osquery's choice: the first constraint value (in string order) that parses, else 100."""
    for value in sorted(map(str, values or ())):
        try:
            return int(value)
        except ValueError:
            return DEFAULT_MAX_DEPTH
    return DEFAULT_MAX_DEPTH
