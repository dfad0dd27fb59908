"""chrome_extensions: Chromium-family profiles, extension manifests, preferences, locales."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from hostql.tables.applications.chrome_extensions import chrome_extensions
from hostql.testing import engine_for, run_table

ME = os.getuid()
KEY = base64.b64encode(b"0\x82\x01\x22 a made-up DER public key").decode()
SLIDES = "aapocclcgogkmnckokdopfmhonfmgoek"
NOTES = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
CHROME = "/home/me/.config/google-chrome"
DEFAULT = f"{CHROME}/Default"


def identifier(key: str) -> str:
    """Chrome's id scheme written independently: hex digits 0-f become letters a-p."""
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    return digest.translate(str.maketrans("0123456789abcdef", "abcdefghijklmnop"))


def write(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))


SLIDES_MANIFEST = {
    "manifest_version": 2, "name": "__MSG_appName__", "description": "__MSG_appDesc__",
    "version": "0.10", "default_locale": "en_US", "key": KEY, "author": {"email": "x@y.z"},
    "update_url": "https://clients2.google.com/service/update2/crx",
    "background": {"persistent": False},
    "permissions": ["storage", "https://*/*", {"fileSystem": ["write"]}],
    "content_scripts": [
        {"matches": ["https://a.example/*", "https://b.example/*"], "js": ["a.js", "b.js"]},
        {"matches": ["https://css-only.example/*"], "css": ["x.css"]},
    ],
}  # fmt: skip
NOTES_MANIFEST = b"""{
  // Chrome accepts comments and trailing commas in manifests
  "name": "Notes", "version": "2.0", "manifest_version": 3,
  "optional_permissions": ["tabs",],
  /* block comment */ "background": {"persistent": true},
}"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\nbob:x:5001:5001::/home/bob:/bin/sh\n"
    )
    home = tmp_path / "home" / "me"
    default = tmp_path / DEFAULT.lstrip("/")
    write(default / "Preferences", {
        "profile": {"name": "Person 1"},
        "extensions": {"settings": {
            SLIDES: {"path": f"{SLIDES}/0.10_0", "state": 1, "from_webstore": True,
                     "install_time": "13312345678901234"},
            "unpacked": {"path": "/home/me/dev/unpacked", "state": 0, "from_webstore": False,
                         "install_time": "not a number"},
            "gone": {"path": "gone/1.0_0", "state": 1},
            "component": {"manifest": {"name": "built in"}},
        }},
    })  # fmt: skip
    write(default / "Secure Preferences", {"extensions": {"settings": {
        NOTES: {"path": f"{NOTES}/2.0_0", "state": 1, "install_time": "13000000000000000"},
    }}})  # fmt: skip
    slides = default / "Extensions" / SLIDES / "0.10_0"
    write(slides / "manifest.json", b"\xef\xbb\xbf" + json.dumps(SLIDES_MANIFEST).encode())
    write(slides / "_locales" / "en_US" / "messages.json",
          {"appName": {"message": "Slides"}, "APPDESC": {"message": "Make slides"}})  # fmt: skip
    write(default / "Extensions" / NOTES / "2.0_0" / "manifest.json", NOTES_MANIFEST)
    write(default / "Extensions" / "orphan" / "1.0_0" / "manifest.json",
          {"name": "Orphan", "version": "1.0"})  # fmt: skip
    write(default / "Extensions" / "broken" / "1.0_0" / "manifest.json", "{not json")
    write(home / "dev" / "unpacked" / "manifest.json", {"name": "Dev", "version": "0.0.1"})
    # A second profile with only Secure Preferences and no profile name.
    write(home / ".config" / "google-chrome" / "Profile 1" / "Secure Preferences", {})
    write(home / ".config" / "google-chrome" / "Profile 1" / "Extensions" / "x" / "1_0"
          / "manifest.json", {"name": "Other", "version": "1"})  # fmt: skip
    write(home / ".config" / "google-chrome" / "Crashpad" / "settings.dat", "")
    # Opera keeps the profile in the browser directory itself, settings in opsettings.
    write(home / ".config" / "opera" / "Preferences",
          {"extensions": {"opsettings": {"op": {"path": "op/1.0_0"}}}})  # fmt: skip
    write(home / ".config" / "opera" / "Extensions" / "op" / "1.0_0" / "manifest.json",
          {"name": "Opera ext", "version": "1.0"})  # fmt: skip
    write(home / ".config" / "BraveSoftware" / "Brave-Browser" / "Default" / "Preferences", "{")
    write(tmp_path / "home" / "bob" / ".config" / "chromium" / "Default" / "Preferences", {})
    write(tmp_path / "home" / "bob" / ".config" / "chromium" / "Default" / "Extensions" / "b"
          / "1" / "manifest.json", {"name": "Bob's", "version": "1"})  # fmt: skip
    return tmp_path


def test_extension_rows(root: Path) -> None:
    rows = run_table(chrome_extensions, root=root, columns="*, manifest_json, key, locale")
    by_name = {row["name"]: row for row in rows}
    assert [(r["browser_type"], r["profile_path"], r["name"], r["referenced"]) for r in rows] == [
        ("chrome", DEFAULT, "Orphan", 0),
        ("chrome", DEFAULT, "Slides", 1),
        ("chrome", DEFAULT, "Notes", 1),
        ("chrome", DEFAULT, "Dev", 1),
        ("chrome", f"{CHROME}/Profile 1", "Other", 0),
        ("opera", "/home/me/.config/opera", "Opera ext", 1),
    ]
    slides = by_name["Slides"]
    assert slides == {
        "browser_type": "chrome", "uid": ME, "name": "Slides", "profile": "Person 1",
        "profile_path": DEFAULT, "referenced_identifier": SLIDES, "identifier": identifier(KEY),
        "version": "0.10", "description": "Make slides", "default_locale": "en_US",
        "current_locale": "", "update_url": "https://clients2.google.com/service/update2/crx",
        "author": "", "persistent": 0, "path": f"{DEFAULT}/Extensions/{SLIDES}/0.10_0",
        "permissions": "storage, https://*/*, ", "optional_permissions": "",
        "manifest_hash": hashlib.sha256(
            (root / DEFAULT.lstrip("/") / "Extensions" / SLIDES / "0.10_0" / "manifest.json")
            .read_bytes()
        ).hexdigest(),
        "referenced": 1, "from_webstore": "true", "state": "1",
        "install_time": "13312345678901234", "install_timestamp": 1667872078,
        "manifest_json": json.dumps(SLIDES_MANIFEST, separators=(",", ":")), "key": KEY,
        "locale": "en_US",
    }  # fmt: skip
    notes = by_name["Notes"]
    assert (notes["persistent"], notes["optional_permissions"], notes["state"]) == (
        1, "tabs", "1",
    )  # fmt: skip
    assert notes["install_timestamp"] == 1355526400
    assert (notes["identifier"], notes["profile"], notes["referenced_identifier"]) == (
        "", "Person 1", NOTES,
    )  # fmt: skip
    dev = by_name["Dev"]
    assert (dev["path"], dev["install_timestamp"], dev["from_webstore"]) == (
        "/home/me/dev/unpacked", 0, "false",
    )  # fmt: skip
    assert by_name["Orphan"]["state"] == "" and by_name["Orphan"]["referenced_identifier"] == ""
    assert by_name["Other"]["profile"] == ""


def test_hidden_json_columns(root: Path) -> None:
    rows = run_table(chrome_extensions, "name = 'Slides'", root=root,
                     columns="permissions_json, optional_permissions_json")  # fmt: skip
    assert rows == [{
        "permissions_json": '["storage","https://*/*",{"fileSystem":["write"]}]',
        "optional_permissions_json": "{}",
    }]  # fmt: skip


def test_bad_files_warn_and_are_skipped(root: Path) -> None:
    engine = engine_for(chrome_extensions, root=root)
    assert len(engine.execute("select * from chrome_extensions").rows) == 6
    warnings = sorted(engine.env.warnings)
    assert len(warnings) == 2
    assert warnings[1].startswith(
        "chrome_extensions: skipped profile /home/me/.config/BraveSoftware/Brave-Browser/Default: "
        "bad Preferences"
    )
    assert warnings[0].startswith(
        f"chrome_extensions: skipped {DEFAULT}/Extensions/broken/1.0_0: bad manifest.json"
    )
    engine.close()


def test_uid_pushdown(root: Path) -> None:
    rows = run_table(chrome_extensions, "uid = 5001", root=root, columns="browser_type, name")
    assert rows == [{"browser_type": "chromium", "name": "Bob's"}]
    rows = run_table(chrome_extensions, "uid IN (5001, 4242)", root=root, columns="uid")
    assert rows == [{"uid": 5001}]


def test_no_browsers_means_no_rows(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"me:x:{ME}:{ME}::/home/me:/bin/sh\n")
    assert run_table(chrome_extensions, root=tmp_path) == []
