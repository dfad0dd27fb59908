"""firefox_addons: extensions.json of Firefox profiles found by listing and by profiles.ini."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hostql.tables.applications.firefox_addons import firefox_addons
from hostql.testing import engine_for, run_table

ME = os.getuid()
FIREFOX = "/home/me/.mozilla/firefox"

UBLOCK = {
    "id": "uBlock0@raymondhill.net", "syncGUID": "{0a1b}", "version": "1.57.2",
    "type": "extension", "loader": None, "updateURL": None, "active": True, "visible": True,
    "userDisabled": False, "appDisabled": False, "softDisabled": False,
    "embedderDisabled": False, "installDate": 1712345678000, "applyBackgroundUpdates": 1,
    "path": f"{FIREFOX}/abcd.default-release/extensions/uBlock0@raymondhill.net.xpi",
    "location": "app-profile", "sourceURI": "https://addons.mozilla.org/firefox/downloads/u.xpi",
    "defaultLocale": {"name": "uBlock Origin", "description": "Finally, an efficient blocker.",
                      "creator": "Raymond Hill", "homepageURL": None},
}  # fmt: skip
THEME = {
    "id": "firefox-compact-dark@mozilla.org", "version": "1.3", "type": "theme",
    "active": False, "visible": True, "userDisabled": True, "appDisabled": False,
    "applyBackgroundUpdates": 2, "path": None, "location": "app-builtin", "sourceURI": None,
    "defaultLocale": {"name": "Dark", "description": None, "creator": "Mozilla"},
}  # fmt: skip
SOFT = {"id": "soft@example.org", "version": "2", "type": "extension", "active": False,
        "softDisabled": True, "defaultLocale": "not an object"}  # fmt: skip


def extensions(profile: Path, addons: object) -> None:
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "extensions.json").write_text(json.dumps({"schemaVersion": 36, "addons": addons}))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\nbob:x:5001:5001::/home/bob:/bin/sh\n"
    )
    firefox = tmp_path / FIREFOX.lstrip("/")
    extensions(firefox / "abcd.default-release", [UBLOCK, THEME, "junk"])
    extensions(tmp_path / "home" / "me" / "elsewhere" / "ff", [SOFT])
    (firefox / "profiles.ini").write_text(
        "[General]\nStartWithLastProfile=1\n\n"
        "[Profile1]\nName=elsewhere\nIsRelative=0\nPath=/home/me/elsewhere/ff\n\n"
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd.default-release\nDefault=1\n"
        "\n[Install4F96D1932A9F858E]\nDefault=abcd.default-release\nLocked=1\n"
    )
    extensions(firefox / "Crash Reports", [UBLOCK])
    (firefox / "Pending Pings").mkdir()
    (firefox / "broken.profile").mkdir()
    (firefox / "broken.profile" / "extensions.json").write_text('{"addons": [')
    (firefox / "empty.profile").mkdir()
    snap = tmp_path / "home" / "bob" / "snap" / "firefox" / "common" / ".mozilla" / "firefox"
    extensions(snap / "x.default", [{"id": "bob@example.org", "active": True}])
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(firefox_addons, root=root) == [
        {"uid": ME, "name": None, "identifier": "soft@example.org", "creator": None,
         "type": "extension", "version": "2", "description": None, "source_url": None,
         "visible": None, "active": 0, "disabled": 1, "autoupdate": None, "location": None,
         "path": None},
        {"uid": ME, "name": "uBlock Origin", "identifier": "uBlock0@raymondhill.net",
         "creator": "Raymond Hill", "type": "extension", "version": "1.57.2",
         "description": "Finally, an efficient blocker.",
         "source_url": "https://addons.mozilla.org/firefox/downloads/u.xpi", "visible": 1,
         "active": 1, "disabled": 0, "autoupdate": 1, "location": "app-profile",
         "path": UBLOCK["path"]},
        {"uid": ME, "name": "Dark", "identifier": "firefox-compact-dark@mozilla.org",
         "creator": "Mozilla", "type": "theme", "version": "1.3", "description": None,
         "source_url": None, "visible": 1, "active": 0, "disabled": 1, "autoupdate": 2,
         "location": "app-builtin", "path": None},
    ]  # fmt: skip


def test_corrupt_extensions_json_warns(root: Path) -> None:
    engine = engine_for(firefox_addons, root=root)
    assert len(engine.execute("select * from firefox_addons").rows) == 3
    assert len(engine.env.warnings) == 1
    assert engine.env.warnings[0].startswith(
        f"firefox_addons: skipped {FIREFOX}/broken.profile/extensions.json: "
    )
    engine.close()


def test_uid_pushdown_reads_the_snap_profile(root: Path) -> None:
    rows = run_table(firefox_addons, "uid = 5001", root=root, columns="uid, identifier, active")
    assert rows == [{"uid": 5001, "identifier": "bob@example.org", "active": 1}]


def test_no_firefox_means_no_rows(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"me:x:{ME}:{ME}::/home/me:/bin/sh\n")
    assert run_table(firefox_addons, root=tmp_path) == []
