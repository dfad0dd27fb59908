"""firefox_addons: the add-ons of every Firefox profile in users' homes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

NOTES = (
    "For each selected user (uid constraint, else the current user, as osquery) reads "
    "extensions.json of every profile in ~/.mozilla/firefox and the snap's "
    "~/snap/firefox/common/.mozilla/firefox: the subdirectories osquery lists (not Crash "
    "Reports or Pending Pings) and, unlike osquery, profiles.ini entries that live elsewhere. "
    "disabled is 1 when userDisabled, appDisabled or softDisabled is true (osquery checks a "
    "misspelt softDisable key). A corrupt extensions.json is skipped with a warning."
)
# extensions.json key path -> column.
_KEYS = {
    "defaultLocale.name": "name",
    "id": "identifier",
    "type": "type",
    "version": "version",
    "defaultLocale.creator": "creator",
    "defaultLocale.description": "description",
    "sourceURI": "source_url",
    "visible": "visible",
    "active": "active",
    "applyBackgroundUpdates": "autoupdate",
    "location": "location",
    "path": "path",
}


@table(
    "firefox_addons",
    "Firefox browser extensions, webapps, and addons.",
    platforms=(LINUX, MACOS, WINDOWS),
    user_data=True,
    notes=NOTES,
    examples=("SELECT * FROM users CROSS JOIN firefox_addons USING (uid)",),
    columns=[
        Column(
            "uid", BIGINT, "The local user that owns the addon", additional=True, optimized=True
        ),
        Column("name", TEXT, "Addon display name"),
        Column("identifier", TEXT, "Addon identifier", index=True),
        Column("creator", TEXT, "Addon-supported creator string"),
        Column("type", TEXT, "Extension, addon, webapp"),
        Column("version", TEXT, "Addon-supplied version string", collate="VERSION"),
        Column("description", TEXT, "Addon-supplied description string"),
        Column("source_url", TEXT, "URL that installed the addon"),
        Column("visible", INTEGER, "1 If the addon is shown in browser else 0"),
        Column("active", INTEGER, "1 If the addon is active else 0"),
        Column("disabled", INTEGER, "1 If the addon is application-disabled else 0"),
        Column("autoupdate", INTEGER, "1 If the addon applies background updates else 0"),
        Column("location", TEXT, "Global, profile location"),
        Column("path", TEXT, "Path to plugin bundle"),
    ],
)
def firefox_addons(ctx: QueryContext) -> Iterator[Row]:
    """One row per add-on of each profile of each selected user."""
    reader = ctx.host.browsers
    for home in ctx.host.user_files.homes(ctx.equals("uid")):
        for profile in reader.firefox_profiles(home.directory):
            for addon in reader.firefox_addons(profile, ctx.warn):
                row: Row = {"uid": home.uid}
                for key_path, column in _KEYS.items():
                    value = _member(addon, key_path)
                    if isinstance(value, bool):
                        row[column] = int(value)
                    elif isinstance(value, str | int | float):
                        row[column] = value
                disabled = ("userDisabled", "appDisabled", "softDisabled")
                row["disabled"] = int(any(addon.get(k) is True for k in disabled))
                yield row


def _member(addon: dict[str, Any], key_path: str) -> Any:
    value: Any = addon
    for part in key_path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
