"""chrome_extensions: the extensions of every Chromium-family browser profile in users' homes."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.browsers import compact_json, extension_identifier, webkit_to_unix
from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

NOTES = (
    "For each selected user (uid constraint, else the current user, as osquery) reads the "
    "profiles of Chrome, Chrome Beta/Dev, Brave (and Beta/Nightly), Chromium (also the snap), "
    "Yandex, Opera, Vivaldi and Edge (and Beta/Dev) under ~/.config: a directory with "
    "Preferences or Secure Preferences, or its subdirectories that have one. Extensions are "
    "those under <profile>/Extensions/<id>/<version> (referenced = 0) and those the "
    "preferences list (referenced = 1, with state, from_webstore and install_time). "
    "__MSG_name__ strings are resolved from _locales/<default_locale>/messages.json. identifier "
    "is computed from the manifest key ('' without one). Unlike osquery, a profile needs only "
    "one of the two preferences files, a profile without a name is kept (profile = ''), "
    "manifests with a BOM, UTF-16, comments or trailing commas (which Chrome accepts) are read, "
    "and manifest_json and *_permissions_json keep JSON types (osquery re-renders every scalar "
    "as a string). Unreadable manifests are skipped with a warning."
)


@table(
    "chrome_extensions",
    "Chrome-based browser extensions.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    notes=NOTES,
    examples=("select * from users join chrome_extensions using (uid)",),
    columns=[
        Column(
            "browser_type",
            TEXT,
            "The browser type (Valid values: chrome, chrome_beta, chrome_dev, chrome_canary, "
            "chromium, opera, yandex, brave, brave_beta, brave_nightly, edge, edge_beta, "
            "edge_dev, edge_canary, vivaldi, arc, dia, comet)",
        ),
        Column("uid", BIGINT, "The local user that owns the extension", index=True, optimized=True),
        Column("name", TEXT, "Extension display name"),
        Column("profile", TEXT, "The name of the Chrome profile that contains this extension"),
        Column("profile_path", TEXT, "The profile path"),
        Column(
            "referenced_identifier",
            TEXT,
            "Extension identifier, as specified by the preferences file. Empty if the extension "
            "is not in the profile.",
        ),
        Column(
            "identifier",
            TEXT,
            "Extension identifier, computed from its manifest. Empty in case of error.",
        ),
        Column("version", TEXT, "Extension-supplied version", collate="VERSION"),
        Column("description", TEXT, "Extension-optional description"),
        Column(
            "default_locale", TEXT, "Default locale supported by extension", aliases=("locale",)
        ),
        Column("current_locale", TEXT, "Current locale supported by extension"),
        Column("update_url", TEXT, "Extension-supplied update URI"),
        Column("author", TEXT, "Optional extension author"),
        Column("persistent", INTEGER, "1 If extension is persistent across all tabs else 0"),
        Column("path", TEXT, "Path to extension folder"),
        Column("permissions", TEXT, "The permissions required by the extension"),
        Column(
            "permissions_json",
            TEXT,
            "The JSON-encoded permissions required by the extension",
            hidden=True,
        ),
        Column(
            "optional_permissions", TEXT, "The permissions optionally required by the extensions"
        ),
        Column(
            "optional_permissions_json",
            TEXT,
            "The JSON-encoded permissions optionally required by the extensions",
            hidden=True,
        ),
        Column(
            "manifest_hash", TEXT, "The SHA256 hash of the manifest.json file", collate="NOCASE"
        ),
        Column(
            "referenced",
            BIGINT,
            "1 if this extension is referenced by the Preferences file of the profile",
        ),
        Column("from_webstore", TEXT, "True if this extension was installed from the web store"),
        Column("state", TEXT, "1 if this extension is enabled"),
        Column("install_time", TEXT, "Extension install time, in its original Webkit format"),
        Column("install_timestamp", BIGINT, "Extension install time, converted to unix time"),
        Column("manifest_json", TEXT, "The manifest file of the extension", hidden=True),
        Column("key", TEXT, "The extension key, from the manifest file", hidden=True),
    ],
)
def chrome_extensions(ctx: QueryContext) -> Iterator[Row]:
    """One row per extension of each profile of each selected user."""
    reader = ctx.host.browsers
    for home in ctx.host.user_files.homes(ctx.equals("uid")):
        for browser, path in reader.chrome_profile_paths(home.directory):
            profile = reader.chrome_profile(browser, home.uid, path, ctx.warn)
            if profile is None:
                continue
            for ext in profile.extensions:
                props, settings = ext.properties, ext.settings
                key = props.get("key")
                install_time = settings.get("install_time", "")
                yield {
                    "browser_type": browser,
                    "uid": home.uid,
                    "name": props.get("name", ""),
                    "profile": profile.name,
                    "profile_path": profile.path,
                    "referenced_identifier": settings.get("referenced_identifier", ""),
                    "identifier": extension_identifier(key) if key else "",
                    "version": props.get("version", ""),
                    "description": props.get("description", ""),
                    "default_locale": props.get("default_locale", ""),
                    "current_locale": props.get("current_locale", ""),
                    "update_url": props.get("update_url", ""),
                    "author": props.get("author", ""),
                    "persistent": int(props.get("persistent", "").lower() == "true"),
                    "path": ext.path,
                    "permissions": props.get("permissions", ""),
                    "permissions_json": props.get("permissions_json", "{}"),
                    "optional_permissions": props.get("optional_permissions", ""),
                    "optional_permissions_json": props.get("optional_permissions_json", "{}"),
                    "manifest_hash": ext.manifest_hash,
                    "referenced": int(ext.referenced),
                    "from_webstore": settings.get("from_webstore", ""),
                    "state": settings.get("state", ""),
                    "install_time": install_time,
                    "install_timestamp": webkit_to_unix(install_time),
                    "manifest_json": compact_json(ext.manifest),
                    "key": key,
                }
