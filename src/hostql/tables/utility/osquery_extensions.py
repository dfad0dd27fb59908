"""osquery_extensions: the core and every extension that registered with it."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "osquery_extensions",
    "List of active osquery extensions.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=("select name, version, type from osquery_extensions",),
    columns=[
        Column("uuid", BIGINT, "The transient ID assigned for communication"),
        Column("name", TEXT, "Extension's name"),
        Column("version", TEXT, "Extension's version", collate="VERSION"),
        Column(
            "sdk_version",
            TEXT,
            "osquery SDK version used to build the extension",
            collate="VERSION",
        ),
        Column("path", TEXT, "Path of the extension's Thrift connection or library path"),
        Column("type", TEXT, "SDK extension type: core, extension, or module"),
    ],
)
def osquery_extensions(ctx: QueryContext) -> Iterator[Row]:
    """The core row (uuid 0), each registered extension, then each entry-point plugin."""
    from hostql import __version__

    yield {
        "uuid": 0,
        "name": "core",
        "version": __version__,
        "sdk_version": "0.0.0",
        "path": ctx.flags["extensions_socket"],
        "type": "core",
    }
    for extension in ctx.runtime.extensions:
        yield dict(extension)
    # An entry-point plugin runs inside hostql, as osquery's "module" extensions did.
    for plugin in ctx.runtime.tables.load_plugins() if ctx.runtime.tables is not None else ():
        if not plugin.error:
            yield {
                "uuid": plugin.uuid,
                "name": plugin.name,
                "version": plugin.version,
                "sdk_version": "0.0.0",
                "path": plugin.path,
                "type": "module",
            }
