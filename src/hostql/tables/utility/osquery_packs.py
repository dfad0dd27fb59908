"""osquery_packs: the packs of the loaded config and whether each is active."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "osquery_packs",
    "Information about the current query packs that are loaded in osquery.",
    platforms=(LINUX, MACOS, WINDOWS),
    utility=True,
    examples=("select name, active, discovery_executions from osquery_packs",),
    notes="Filled by hostqld; empty in hostqli.",
    columns=[
        Column("name", TEXT, "The given name for this query pack"),
        Column("platform", TEXT, "Platforms this query is supported on"),
        Column(
            "version",
            TEXT,
            "Minimum osquery version that this query will run on",
            collate="VERSION",
        ),
        Column("shard", INTEGER, "Shard restriction limit, 1-100, 0 meaning no restriction"),
        Column(
            "discovery_cache_hits",
            INTEGER,
            "The number of times that the discovery query "
            "used cached values since the last time the config was reloaded",
        ),
        Column(
            "discovery_executions",
            INTEGER,
            "The number of times that the discovery "
            "queries have been executed since the last time the config was reloaded",
        ),
        Column(
            "active",
            INTEGER,
            "Whether this pack is active (the version, platform and "
            "discovery queries match) yes=1, no=0.",
        ),
    ],
)
def osquery_packs(ctx: QueryContext) -> Iterator[Row]:
    """One row per loaded pack."""
    yield from ctx.runtime.packs
