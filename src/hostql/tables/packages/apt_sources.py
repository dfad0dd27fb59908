"""apt_sources: the deb repositories APT is configured with and has downloaded lists for."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "apt_sources",
    "Current list of APT repositories or software channels.",
    platforms=(LINUX,),
    examples=(
        "select * from apt_sources",
        "select name, base_uri, release, components from apt_sources where maintainer = 'Debian'",
    ),
    notes="Reads /etc/apt/sources.list, sources.list.d/*.list and deb822 sources.list.d/*.sources "
    "(Debian 12's default); one row per deb URI and suite whose Release or InRelease file apt "
    "has downloaded to /var/lib/apt/lists, as osquery does. Unlike osquery it reads deb822 "
    "continuation lines, takes apt's boolean words for Enabled (osquery drops 'Enabled: yes'), "
    "accepts tab-separated one-line entries, and names list files with apt's own quoting "
    "(URItoFileName). deb-src entries are left out. pid_with_namespace is not supported.",
    columns=[
        Column("name", TEXT, "Repository name"),
        Column("source", TEXT, "Source file"),
        Column("base_uri", TEXT, "Repository base URI"),
        Column("release", TEXT, "Release name"),
        Column("version", TEXT, "Repository source version", collate="VERSION_DPKG"),
        Column("maintainer", TEXT, "Repository maintainer"),
        Column("components", TEXT, "Repository components"),
        Column("architectures", TEXT, "Repository architectures"),
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
def apt_sources(ctx: QueryContext) -> Iterator[Row]:
    """One row per configured deb entry with a downloaded Release file."""
    reader = ctx.host.package_repos
    lists = reader.apt_lists()
    for source, entry in reader.apt_sources(ctx.warn):
        release = reader.apt_release(entry, lists)
        if release is None:
            continue
        yield {
            "name": entry.name,
            "source": source,
            "base_uri": entry.base_uri,
            **release,
            "pid_with_namespace": 0,
        }
