"""chrome_extension_content_scripts: (match, script) pairs of extension manifests."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from hostql.host.browsers import extension_identifier
from hostql.tables.applications.chrome_extension_content_scripts import (
    chrome_extension_content_scripts,
)
from hostql.testing import run_table

ME = os.getuid()
PROFILE = "/home/me/.config/chromium/Default"
KEY = base64.b64encode(b"another made-up key").decode()


def write(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"me:x:{ME}:{ME}::/home/me:/bin/sh\n")
    profile = tmp_path / PROFILE.lstrip("/")
    settings = {"listed": {"path": "listed/1_0"}}
    write(
        profile / "Preferences", {"profile": {"name": "Me"}, "extensions": {"settings": settings}}
    )
    write(profile / "Extensions" / "listed" / "1_0" / "manifest.json", {
        "name": "Listed", "version": "1",
        "content_scripts": [
            {"matches": ["<all_urls>"], "js": ["content.js"], "run_at": "document_idle"},
            {"matches": ["https://x.example/*"], "css": ["only.css"]},
            {"js": ["no-matches.js"]},
        ],
    })  # fmt: skip
    write(profile / "Extensions" / "unlisted" / "2_0" / "manifest.json", {
        "name": "Unlisted", "version": "2", "key": KEY,
        "content_scripts": [{"matches": ["https://a.example/*", "https://b.example/*"],
                             "js": ["one.js", "two.js"]}],
    })  # fmt: skip
    write(profile / "Extensions" / "plain" / "3_0" / "manifest.json", {"name": "P", "version": "3"})
    return tmp_path


def test_content_scripts(root: Path) -> None:
    unlisted = {"browser_type": "chromium", "uid": ME, "identifier": extension_identifier(KEY),
                "version": "2", "profile_path": PROFILE,
                "path": f"{PROFILE}/Extensions/unlisted/2_0", "referenced": 0}  # fmt: skip
    listed = {"browser_type": "chromium", "uid": ME, "identifier": "listed", "version": "1",
              "profile_path": PROFILE, "path": f"{PROFILE}/Extensions/listed/1_0",
              "referenced": 1}  # fmt: skip
    assert run_table(chrome_extension_content_scripts, root=root) == [
        {**unlisted, "script": "one.js", "match": "https://a.example/*"},
        {**unlisted, "script": "two.js", "match": "https://a.example/*"},
        {**unlisted, "script": "one.js", "match": "https://b.example/*"},
        {**unlisted, "script": "two.js", "match": "https://b.example/*"},
        {**listed, "script": "content.js", "match": "<all_urls>"},
    ]


def test_uid_without_a_profile(root: Path) -> None:
    assert run_table(chrome_extension_content_scripts, "uid = 4242", root=root) == []
