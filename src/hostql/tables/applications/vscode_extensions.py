"""vscode_extensions: the extensions of VS Code and its forks in users' homes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

NOTES = (
    "For each selected user (uid constraint, else the current user, as osquery) reads "
    "extensions/extensions.json of ~/.vscode (vscode), ~/.vscode-insiders, ~/.vscode-oss "
    "(vscodium), ~/.vscodium-insiders, ~/.cursor, ~/.windsurf and ~/.trae: name is the "
    "publisher.name identifier, installed_at the millisecond timestamp VS Code records. "
    "Where an editor has no extensions.json (releases before 1.74) each extension directory's "
    "package.json and __metadata are read instead, leaving out those .obsolete lists. A "
    "corrupt extensions.json or package.json is skipped with a warning."
)


@table(
    "vscode_extensions",
    "Lists all vscode extensions.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    notes=NOTES,
    examples=("select * from vscode_extensions",),
    columns=[
        Column("name", TEXT, "Extension Name"),
        Column("uuid", TEXT, "Extension UUID", collate="NOCASE"),
        Column("version", TEXT, "Extension version", collate="VERSION"),
        Column("path", TEXT, "Extension path"),
        Column("publisher", TEXT, "Publisher Name"),
        Column("publisher_id", TEXT, "Publisher ID"),
        Column("installed_at", BIGINT, "Installed Timestamp"),
        Column("prerelease", INTEGER, "Pre release version"),
        Column(
            "uid", BIGINT, "The local user that owns the plugin", additional=True, optimized=True
        ),
        Column(
            "vscode_edition",
            TEXT,
            "The VSCode edition (vscode, vscode_insiders, vscodium, vscodium_insiders, cursor, "
            "windsurf, trae)",
        ),
    ],
)
def vscode_extensions(ctx: QueryContext) -> Iterator[Row]:
    """One row per installed extension of each editor of each selected user."""
    reader = ctx.host.editor_plugins
    for home in ctx.host.user_files.homes(ctx.equals("uid")):
        for edition, ext in reader.vscode_extensions(home.directory, ctx.warn):
            yield {
                "name": ext.name,
                "uuid": ext.uuid,
                "version": ext.version,
                "path": ext.path,
                "publisher": ext.publisher,
                "publisher_id": ext.publisher_id,
                "installed_at": ext.installed_at,
                "prerelease": ext.prerelease,
                "uid": home.uid,
                "vscode_edition": edition,
            }
