"""python_packages: Python distributions installed in system and per-user site directories."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.accounts import as_id
from hostql.host.python_dists import Distribution
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "python_packages",
    "Python packages installed in a system. NOTE: when querying on windows, even without a "
    "users cross join, all user installed python packages will be returned. This special "
    "behavior is to not break original functionality.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    examples=(
        "select * from python_packages where directory='/usr/'",
        "select * from users cross join python_packages using (uid)",
        "select name, version, directory from python_packages",
    ),
    notes="Scans osquery's system site directories (/usr/lib/python*/{dist,site}-packages, "
    "/usr/local/lib/python*/..., /usr/local/lib64/python*/site-packages; directory ends with "
    "'/' as osquery's glob marks it) with uid 0, and for each selected user (uid constraint, "
    "else the current user) ~/.local/lib/python*/site-packages and "
    "~/.pyenv/versions/*/lib/python*/site-packages. A directory constraint scans only those "
    "directories. Unlike osquery, which walks every directory below a site and so reports "
    "vendored copies (setuptools/_vendor/*.dist-info), only the entries Python itself finds "
    "are read: *.dist-info and *.egg-info directories and single-file *.egg-info; metadata "
    "headers end at the first blank line and keep values containing ':'. Entries without "
    "readable metadata are skipped with a warning. pid_with_namespace is not supported.",
    columns=[
        Column("name", TEXT, "Package display name"),
        Column("uid", BIGINT, "The local user that owns the python package", index=True),
        Column("version", TEXT, "Package-supplied version", collate="VERSION"),
        Column("summary", TEXT, "Package-supplied summary"),
        Column("author", TEXT, "Optional package author"),
        Column("license", TEXT, "License under which package is launched"),
        Column("path", TEXT, "Path at which this module resides"),
        Column(
            "directory",
            TEXT,
            "Directory where Python modules are located",
            index=True,
            optimized=True,
        ),
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
def python_packages(ctx: QueryContext) -> Iterator[Row]:
    """One row per distribution of each scanned site directory."""
    reader = ctx.host.python_dists
    directories = ctx.equals("directory")
    if directories is not None:
        for site in sorted(d for d in directories if isinstance(d, str)):
            yield from _rows(reader.distributions(site, ctx.warn), site, 0)
        return
    uids = ctx.equals("uid")
    if uids is None or 0 in {as_id(u) for u in uids}:
        for site in reader.system_sites():
            yield from _rows(reader.distributions(site, ctx.warn), site, 0)
    for home in ctx.host.user_files.homes(uids):
        for site in reader.user_sites(home.directory):
            yield from _rows(reader.distributions(site, ctx.warn), site, home.uid)


def _rows(distributions: Iterator[Distribution], site: str, uid: int) -> Iterator[Row]:
    for dist in distributions:
        yield {**dist.fields, "uid": uid, "path": dist.path, "directory": site,
               "pid_with_namespace": 0}  # fmt: skip
