"""yum_sources: the repositories of yum.conf and the .repo files of its reposdir."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.package_repos import YUM_KEYS
from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "yum_sources",
    "Current list of Yum repositories or software channels.",
    platforms=(LINUX,),
    examples=(
        "select * from yum_sources",
        "select name, baseurl from yum_sources where enabled = '1'",
    ),
    notes="Reads /etc/yum.conf (every section but [main]) and the *.repo files of its reposdir "
    "(default /etc/yum.repos.d). Values are as written ($releasever is not expanded). Unlike "
    "osquery, whose ini parser rejects the whole file, indented continuation lines (several "
    "baseurl lines) are joined with spaces, a repeated key keeps its last value, and a "
    "comma-separated reposdir is read in full. pid_with_namespace is not supported.",
    columns=[
        Column("name", TEXT, "Repository name"),
        Column("source", TEXT, "Source file"),
        Column("baseurl", TEXT, "Repository base URL"),
        Column("mirrorlist", TEXT, "Mirrorlist URL"),
        Column("metalink", TEXT, "Metalink URL"),
        Column("enabled", TEXT, "Whether the repository is used"),
        Column("gpgcheck", TEXT, "Whether packages are GPG checked"),
        Column("gpgkey", TEXT, "URL to GPG key"),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def yum_sources(ctx: QueryContext) -> Iterator[Row]:
    """One row per repository section."""
    for source, _section, values in ctx.host.package_repos.yum_repos(ctx.warn):
        row: Row = {key: values[key] for key in YUM_KEYS if key in values}
        row["source"] = source
        row["pid_with_namespace"] = 0
        yield row
