"""chrome_extension_content_scripts: the content scripts Chromium-family extensions inject."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.browsers import extension_identifier
from hostql.schema import BIGINT, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

NOTES = (
    "The extensions of chrome_extensions (same profiles and users); one row per match pattern "
    "and js file of each manifest content_scripts entry that has both. identifier is the id "
    "the preferences list the extension under, else the one computed from its manifest key "
    "(osquery reads a profile setting that does not exist and leaves it empty)."
)


@table(
    "chrome_extension_content_scripts",
    "Chrome browser extension content scripts.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    notes=NOTES,
    examples=(
        "SELECT chrome_extension_content_scripts.* FROM users "
        "JOIN chrome_extension_content_scripts USING (uid) GROUP BY identifier, match",
    ),
    columns=[
        Column(
            "browser_type",
            TEXT,
            "The browser type (Valid values: chrome, chromium, opera, yandex, brave)",
        ),
        Column("uid", BIGINT, "The local user that owns the extension", index=True, optimized=True),
        Column("identifier", TEXT, "Extension identifier"),
        Column("version", TEXT, "Extension-supplied version", collate="VERSION"),
        Column("script", TEXT, "The content script used by the extension"),
        Column("match", TEXT, "The pattern that the script is matched against"),
        Column("profile_path", TEXT, "The profile path"),
        Column("path", TEXT, "Path to extension folder"),
        Column(
            "referenced",
            BIGINT,
            "1 if this extension is referenced by the Preferences file of the profile",
        ),
    ],
)
def chrome_extension_content_scripts(ctx: QueryContext) -> Iterator[Row]:
    """One row per (match, script) pair of each extension of each profile."""
    reader = ctx.host.browsers
    for home in ctx.host.user_files.homes(ctx.equals("uid")):
        for browser, path in reader.chrome_profile_paths(home.directory):
            profile = reader.chrome_profile(browser, home.uid, path, ctx.warn)
            if profile is None:
                continue
            for ext in profile.extensions:
                key = ext.properties.get("key")
                identifier = ext.settings.get("referenced_identifier") or (
                    extension_identifier(key) if key else ""
                )
                for match, script in ext.content_scripts:
                    yield {
                        "browser_type": browser,
                        "uid": home.uid,
                        "identifier": identifier,
                        "version": ext.properties.get("version", ""),
                        "script": script,
                        "match": match,
                        "profile_path": profile.path,
                        "path": ext.path,
                        "referenced": int(ext.referenced),
                    }
