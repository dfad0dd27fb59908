"""jetbrains_plugins: the plugins of JetBrains IDEs in users' homes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

NOTES = (
    "For each selected user (uid constraint, else the current user, as osquery) reads "
    "~/.local/share/JetBrains/<Product><version>/plugins (osquery's path) and, where Linux "
    "IDEs really keep them, <Product><version> itself: each jar there, and each plugin "
    "directory's lib/*.jar in IntelliJ's own order of likely descriptors, until one holds "
    "META-INF/plugin.xml. Unlike osquery, PyCharm's pattern does not also match PyCharmCE's "
    "directories. product_type uses osquery's names (clion, datagrip, goland, "
    "intellij_idea, intellij_idea_community_edition, phpstorm, pycharm, "
    "pycharm_community_edition, resharper, rider, rubymine, rust_rov, webstorm). plugin.xml is "
    "parsed as XML (values trimmed, entities decoded); osquery's tag scan is the fallback "
    "for descriptors that are not well-formed. Unreadable jars are skipped with a warning."
)


@table(
    "jetbrains_plugins",
    "JetBrains IDEs plugins.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    notes=NOTES,
    examples=("select * from users cross join jetbrains_plugins using (uid)",),
    columns=[
        Column(
            "product_type",
            TEXT,
            "The product type (Valid values: CLion, DataGrip, GoLand, IntelliJIdea, "
            "IntelliJIdeaCommunityEdition, PhpStorm, PyCharm, PyCharmCommunityEdition, "
            "ReSharper, Rider, RubyMine, RustRover, WebStorm)",
        ),
        Column("uid", BIGINT, "The local user that owns the plugin", index=True),
        Column("name", TEXT, "Name of the plugin (Title Case)"),
        Column("version", TEXT, "Version of the plugin", collate="VERSION"),
        Column("vendor", TEXT, "The vendor name or organization id that authored the plugin"),
        Column(
            "path",
            TEXT,
            "The path on the filesystem for the plugin. This may be a folder or a jar filename",
        ),
    ],
)
def jetbrains_plugins(ctx: QueryContext) -> Iterator[Row]:
    """One row per plugin of each IDE configuration of each selected user."""
    reader = ctx.host.editor_plugins
    for home in ctx.host.user_files.homes(ctx.equals("uid")):
        for plugin in reader.jetbrains_plugins(home.directory, ctx.warn):
            yield {
                "product_type": plugin.product_type,
                "uid": home.uid,
                "name": plugin.name,
                "version": plugin.version,
                "vendor": plugin.vendor,
                "path": plugin.path,
            }
