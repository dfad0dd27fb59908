"""Browser profiles in users' homes: Chromium-family extensions and Firefox add-ons."""

from __future__ import annotations

import base64
import binascii
import configparser
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]

# osquery's Linux profile roots, in its order (browser_type, path below the home).
CHROME_ROOTS = (
    ("chrome", ".config/google-chrome"),
    ("chrome_beta", ".config/google-chrome-beta"),
    ("chrome_dev", ".config/google-chrome-unstable"),
    ("brave", ".config/BraveSoftware/Brave-Browser"),
    ("brave_beta", ".config/BraveSoftware/Brave-Browser-Beta"),
    ("brave_nightly", ".config/BraveSoftware/Brave-Browser-Nightly"),
    ("chromium", ".config/chromium"),
    ("chromium", "snap/chromium/common/chromium"),
    ("yandex", ".config/yandex-browser"),
    ("yandex", ".config/yandex-browser-beta"),
    ("opera", ".config/opera"),
    ("vivaldi", ".config/vivaldi"),
    ("edge", ".config/microsoft-edge"),
    ("edge_beta", ".config/microsoft-edge-beta"),
    ("edge_dev", ".config/microsoft-edge-dev"),
)
PREFERENCES = ("Preferences", "Secure Preferences")
FIREFOX_ROOTS = (".mozilla/firefox", "snap/firefox/common/.mozilla/firefox")
# Manifest keys osquery copies (key path -> property).
_MANIFEST_TEXT = {
    "name": "name",
    "update_url": "update_url",
    "version": "version",
    "author": "author",
    "default_locale": "default_locale",
    "current_locale": "current_locale",
    "background.persistent": "persistent",
    "description": "description",
    "key": "key",
}
_MANIFEST_LISTS = ("permissions", "optional_permissions")
_MESSAGE = "__MSG_"
_WEBKIT_EPOCH_OFFSET = 11_644_473_600
# Comments and trailing commas Chrome's manifest reader accepts, outside strings.
_JSON_NOISE = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/|,(?=\s*[\]}])', re.S)


def loads_lenient(data: bytes) -> Any:
    """JSON as browsers write and accept it: a BOM, UTF-16, comments, trailing commas."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", "replace")
    else:
        text = data.decode("utf-8-sig", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(_JSON_NOISE.sub(lambda m: m.group(1) or "", text))


def ptree_text(value: Any) -> str:
    """A JSON value as boost's property tree reads it into osquery: scalars as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    return ""


def compact_json(value: Any) -> str:
    """JSON without whitespace (osquery's unindented write_json)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def extension_identifier(key: str) -> str:
    """Chrome's extension id: the first 128 bits of SHA-256(public key) as letters a-p."""
    try:
        decoded = base64.b64decode(key, validate=False)
    except (binascii.Error, ValueError):
        return ""
    if not decoded:
        return ""
    digest = hashlib.sha256(decoded).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def webkit_to_unix(text: str) -> int:
    """A Chrome install_time (microseconds since 1601) as unix seconds; 0 when unusable."""
    try:
        seconds = int(text) // 1_000_000 - _WEBKIT_EPOCH_OFFSET
    except ValueError:
        return 0
    return max(seconds, 0)


@dataclass
class ChromeExtension:
    """One extension of a profile, its manifest properties and profile settings."""

    path: str
    manifest_hash: str
    manifest: dict[str, Any]
    properties: dict[str, str]
    referenced: bool = False
    settings: dict[str, str] = field(default_factory=dict)
    content_scripts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ChromeProfile:
    """One Chromium-family profile directory and its extensions."""

    browser_type: str
    uid: int
    path: str
    name: str
    extensions: list[ChromeExtension]


class Browsers:
    """Reader of browser profiles under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._root = str(host.path("/")).rstrip("/")

    def _canonical(self, path: str) -> str:
        """fs::canonical of a host path (unchanged when it does not exist)."""
        real = os.path.realpath(self.host.path(path))
        if not os.path.exists(real):
            return path
        if self._root and not (real == self._root or real.startswith(self._root + "/")):
            return path  # a link out of a fixture root
        return real[len(self._root) :] or "/"

    def _read(self, path: str) -> bytes:
        return self.host.path(path).read_bytes()

    def _subdirectories(self, path: str) -> list[str]:
        try:
            names = sorted(os.listdir(self.host.path(path)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []
        return [f"{path}/{n}" for n in names if self.host.path(f"{path}/{n}").is_dir()]

    def _is_profile(self, path: str) -> bool:
        return any(os.access(self.host.path(f"{path}/{n}"), os.R_OK) for n in PREFERENCES)

    def chrome_profile_paths(self, home: str) -> Iterator[tuple[str, str]]:
        """(browser_type, profile directory) for every profile below a home."""
        for browser, suffix in CHROME_ROOTS:
            base = self._canonical(f"{home.rstrip('/')}/{suffix}")
            if self._is_profile(base):
                yield browser, base
                continue
            for sub in self._subdirectories(base):
                sub = self._canonical(sub)
                if self._is_profile(sub):
                    yield browser, sub

    def chrome_profile(self, browser: str, uid: int, path: str, warn: Warn) -> ChromeProfile | None:
        """A profile with its extensions; None (with a warning) when its preferences are bad."""
        preferences = []
        for name in PREFERENCES:
            try:
                data = self._read(f"{path}/{name}")
            except (FileNotFoundError, IsADirectoryError, PermissionError):
                continue
            try:
                parsed = loads_lenient(data) if data.strip() else {}
            except ValueError as exc:
                warn(f"chrome_extensions: skipped profile {path}: bad {name}: {exc}")
                return None
            preferences.append(parsed if isinstance(parsed, dict) else {})
        if not preferences:
            return None
        profile_name = ""
        for parsed in preferences:
            node = parsed.get("profile")
            if isinstance(node, dict) and isinstance(node.get("name"), str) and node["name"]:
                profile_name = node["name"]
                break
        on_disk: dict[str, bool] = {}
        for id_dir in self._subdirectories(f"{path}/Extensions"):
            for version_dir in self._subdirectories(id_dir):
                on_disk[self._canonical(version_dir)] = False
        # Extension path -> (id, settings entry); Preferences win over Secure Preferences.
        referenced: dict[str, tuple[str, dict[str, Any]]] = {}
        for parsed in preferences:
            for identifier, entry in _settings(parsed).items():
                location = entry.get("path")
                if isinstance(location, str) and location:
                    full = location if location.startswith("/") else f"{path}/Extensions/{location}"
                    canonical = self._canonical(full)
                    referenced.setdefault(canonical, (identifier, entry))
                    on_disk[canonical] = True
        extensions = []
        # osquery lists the extensions no preferences file mentions first, each group by path.
        for ext_path in sorted(on_disk, key=lambda p: (on_disk[p], p)):
            extension = self._extension(ext_path, warn)
            if extension is None:
                continue
            if ext_path in referenced:
                identifier, entry = referenced[ext_path]
                extension.referenced = True
                extension.settings = {"referenced_identifier": identifier}
                for key in ("from_webstore", "state", "install_time"):
                    if key in entry:
                        extension.settings[key] = ptree_text(entry[key])
            extensions.append(extension)
        return ChromeProfile(browser, uid, path, profile_name, extensions)

    def _extension(self, path: str, warn: Warn) -> ChromeExtension | None:
        try:
            data = self._read(f"{path}/manifest.json")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return None  # built-in and half-removed extensions have no readable manifest
        try:
            manifest = loads_lenient(data)
        except ValueError as exc:
            warn(f"chrome_extensions: skipped {path}: bad manifest.json: {exc}")
            return None
        if not isinstance(manifest, dict):
            warn(f"chrome_extensions: skipped {path}: manifest.json is not an object")
            return None
        properties = {}
        for key_path, name in _MANIFEST_TEXT.items():
            value: Any = manifest
            for part in key_path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
                if value is None:
                    break
            if value is not None:
                properties[name] = ptree_text(value)
        for name in _MANIFEST_LISTS:
            if name in manifest:
                node = manifest[name]
                items = node if isinstance(node, list) else []
                properties[name] = ", ".join(ptree_text(v) for v in items)
                properties[f"{name}_json"] = compact_json(node)
        self._localize(path, properties, warn)
        return ChromeExtension(
            path=path,
            manifest_hash=hashlib.sha256(data).hexdigest(),
            manifest=manifest,
            properties=properties,
            content_scripts=_content_scripts(manifest),
        )

    def _localize(self, path: str, properties: dict[str, str], warn: Warn) -> None:
        if not any(v.startswith(_MESSAGE) for v in properties.values()):
            return
        locale = properties.get("default_locale") or properties.get("current_locale") or "en"
        try:
            messages = loads_lenient(self._read(f"{path}/_locales/{locale}/messages.json"))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return
        except ValueError as exc:
            warn(f"chrome_extensions: bad messages.json of {path} ({locale}): {exc}")
            return
        if not isinstance(messages, dict):
            return
        # Message names are case-insensitive, as Chrome (and osquery's iptree) read them.
        folded = {k.lower(): v for k, v in messages.items()}
        for name, value in properties.items():
            if value.startswith(_MESSAGE) and value.endswith("__"):
                entry = folded.get(value[len(_MESSAGE) : -2].lower())
                if isinstance(entry, dict) and isinstance(entry.get("message"), str):
                    properties[name] = entry["message"]

    def firefox_profiles(self, home: str) -> list[str]:
        """Profile directories of a home: those profiles.ini names, then other subdirectories."""
        found: list[str] = []
        for suffix in FIREFOX_ROOTS:
            base = f"{home.rstrip('/')}/{suffix}"
            for profile in self._profiles_ini(base) + self._subdirectories(base):
                # osquery leaves out the crash-report and telemetry folders.
                if profile.endswith(("Crash Reports", "Pending Pings")) or profile in found:
                    continue
                if self.host.path(profile).is_dir():
                    found.append(profile)
        return found

    def _profiles_ini(self, base: str) -> list[str]:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(self._read(f"{base}/profiles.ini").decode("utf-8", "replace"))
        except (OSError, configparser.Error):
            return []
        found = []
        for section in parser.sections():
            location = parser.get(section, "Path", fallback="")
            if section.startswith("Profile") and location:
                relative = parser.get(section, "IsRelative", fallback="1") != "0"
                found.append(f"{base}/{location}" if relative else location.rstrip("/"))
        return found

    def firefox_addons(self, profile: str, warn: Warn) -> list[dict[str, Any]]:
        """The add-on objects of a profile's extensions.json (empty when it has none)."""
        path = f"{profile}/extensions.json"
        try:
            data = self._read(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return []
        try:
            document = loads_lenient(data)
        except ValueError as exc:
            warn(f"firefox_addons: skipped {path}: {exc}")
            return []
        addons = document.get("addons") if isinstance(document, dict) else None
        if not isinstance(addons, list):
            warn(f"firefox_addons: skipped {path}: no 'addons' array")
            return []
        return [addon for addon in addons if isinstance(addon, dict)]


def _settings(preferences: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """extensions.settings (Opera: extensions.opsettings) of a preferences document."""
    extensions = preferences.get("extensions")
    if not isinstance(extensions, dict):
        return {}
    settings = extensions.get("settings")
    if not isinstance(settings, dict):
        settings = extensions.get("opsettings")
    if not isinstance(settings, dict):
        return {}
    return {k: v for k, v in settings.items() if isinstance(v, dict)}


def _content_scripts(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(match, script) for every match and js file of each content_scripts entry."""
    found = []
    entries = manifest.get("content_scripts")
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            continue
        matches, scripts = entry.get("matches"), entry.get("js")
        if not isinstance(matches, list) or not isinstance(scripts, list):
            continue
        for match in matches:
            if isinstance(match, str | int | float | bool):
                found += [(ptree_text(match), ptree_text(s)) for s in scripts if _scalar(s)]
    return found


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def attach(host: Host) -> Browsers:
    """The browser profile reader of host."""
    return Browsers(host)
