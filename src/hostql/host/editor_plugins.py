"""Editor plugins in users' homes: VS Code-family extensions and JetBrains IDE plugins."""

from __future__ import annotations

import glob
import json
import os
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]

# (vscode_edition, data directory below the home).
VSCODE_EDITIONS = (
    ("vscode", ".vscode"),
    ("vscode_insiders", ".vscode-insiders"),
    ("vscodium", ".vscode-oss"),
    ("vscodium_insiders", ".vscodium-insiders"),
    ("cursor", ".cursor"),
    ("windsurf", ".windsurf"),
    ("trae", ".trae"),
)
# osquery's Linux products: (product_type, configuration directory prefix); the directories
# are ~/.local/share/JetBrains/<prefix><version>.
JETBRAINS_DIR = ".local/share/JetBrains"
JETBRAINS_PRODUCTS = (
    ("clion", "CLion"),
    ("datagrip", "DataGrip"),
    ("goland", "GoLand"),
    ("intellij_idea", "IntelliJIdea"),
    ("intellij_idea_community_edition", "IdeaIC"),
    ("phpstorm", "PhpStorm"),
    ("pycharm", "PyCharm"),
    ("pycharm_community_edition", "PyCharmCE"),
    ("resharper", "ReSharper"),
    ("rider", "Rider"),
    ("rubymine", "RubyMine"),
    # osquery's name for RustRover, kept for compatibility.
    ("rust_rov", "RustRover"),
    ("webstorm", "WebStorm"),
)
PLUGIN_XML = "META-INF/plugin.xml"
# plugin.xml is bounded; a larger member is not a descriptor.
_MAX_XML = 16 * 1024 * 1024


class VscodeExtension(NamedTuple):
    """One installed extension of a VS Code-family editor."""

    name: str
    uuid: str | None
    version: str | None
    path: str | None
    publisher: str | None
    publisher_id: str | None
    installed_at: int | None
    prerelease: int | None


class JetbrainsPlugin(NamedTuple):
    """One plugin of a JetBrains IDE: a jar in plugins/ or a plugin directory."""

    product_type: str
    path: str
    name: str
    vendor: str
    version: str


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _flag(value: Any) -> int | None:
    return int(value) if isinstance(value, bool) else None


def registry_extension(entry: dict[str, Any], directory: str) -> VscodeExtension | None:
    """An entry of extensions/extensions.json (None when it names no extension)."""
    identifier = entry.get("identifier")
    identifier = identifier if isinstance(identifier, dict) else {}
    name = _text(identifier.get("id"))
    if not name:
        return None
    metadata = entry.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    location = entry.get("location")
    if isinstance(location, dict):
        path = _text(location.get("path")) or _text(location.get("fsPath"))
    else:
        path = _text(location)
    relative = _text(entry.get("relativeLocation"))
    if path is None and relative:
        path = f"{directory}/{relative}"
    return VscodeExtension(
        name=name,
        uuid=_text(identifier.get("uuid")) or _text(metadata.get("id")),
        version=_text(entry.get("version")),
        path=path,
        publisher=_text(metadata.get("publisherDisplayName")),
        publisher_id=_text(metadata.get("publisherId")),
        installed_at=_number(metadata.get("installedTimestamp")),
        prerelease=_flag(metadata.get("preRelease", metadata.get("isPreReleaseVersion"))),
    )


def manifest_extension(package: dict[str, Any], path: str) -> VscodeExtension | None:
    """An extension from its own package.json (editors before extensions.json existed)."""
    publisher, name = _text(package.get("publisher")), _text(package.get("name"))
    if not publisher or not name:
        return None
    metadata = package.get("__metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    return VscodeExtension(
        name=f"{publisher}.{name}".lower(),
        uuid=_text(metadata.get("id")),
        version=_text(package.get("version")),
        path=path,
        publisher=_text(metadata.get("publisherDisplayName")),
        publisher_id=_text(metadata.get("publisherId")),
        installed_at=_number(metadata.get("installedTimestamp")),
        prerelease=_flag(metadata.get("preRelease", metadata.get("isPreReleaseVersion"))),
    )


def is_versioned_library(name: str) -> bool:
    """IntelliJ's fileNameIsLikeVersionedLibraryName: a '-<digit>' or '-m<digit>' suffix."""
    hyphen = name.rfind("-")
    if hyphen < 0 or hyphen + 1 >= len(name):
        return False
    after = name[hyphen + 1 :]
    return after[0].isdigit() or (after[0] in "mM" and len(after) > 1 and after[1].isdigit())


def likely_plugin_jars_first(directory_name: str, jars: list[str]) -> list[str]:
    """IntelliJ's putMoreLikelyPluginJarsFirst order of a plugin's lib/*.jar files."""
    wanted = directory_name.lower()

    def rank(path: str) -> tuple[bool, bool, bool, bool, bool, int]:
        name = path.rpartition("/")[2]
        lower = name.lower()
        return (
            name.startswith("resources"),
            is_versioned_library(name),
            not lower.startswith(wanted),
            lower.endswith("-idea.jar"),
            name == "database-plugin.jar",
            len(name),
        )

    return sorted(jars, key=rank)


def parse_plugin_xml(data: bytes) -> tuple[str, str, str]:
    """(name, vendor, version) of a plugin.xml: the <idea-plugin> children, trimmed."""
    try:
        root = ElementTree.fromstring(data)
        found = {tag: root.findtext(tag) or "" for tag in ("name", "vendor", "version")}
        return found["name"].strip(), found["vendor"].strip(), found["version"].strip()
    except ElementTree.ParseError:
        # Descriptors with undeclared entities or xi:includes: osquery's tag scan.
        text = data.decode("utf-8", "replace")
        values = []
        for tag in ("name", "vendor", "version"):
            match = re.search(rf"<{tag}(?:\s[^>]*)?>([\s\S]*?)</{tag}>", text)
            values.append(match.group(1).strip() if match else "")
        return values[0], values[1], values[2]


class EditorPlugins:
    """Reader of editor extension and plugin directories under the host's root."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._root = str(host.path("/")).rstrip("/")

    def _read(self, path: str) -> bytes:
        return self.host.path(path).read_bytes()

    def vscode_extensions(self, home: str, warn: Warn) -> Iterator[tuple[str, VscodeExtension]]:
        """(edition, extension) for each VS Code-family editor of a home."""
        for edition, data_dir in VSCODE_EDITIONS:
            directory = f"{home.rstrip('/')}/{data_dir}/extensions"
            registry = f"{directory}/extensions.json"
            try:
                document = json.loads(self._read(registry).decode("utf-8-sig", "replace"))
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
                for extension in self._manifests(directory, warn):
                    yield edition, extension
                continue
            except ValueError as exc:
                warn(f"vscode_extensions: skipped {registry}: {exc}")
                continue
            if not isinstance(document, list):
                warn(f"vscode_extensions: skipped {registry}: not a JSON array")
                continue
            for entry in document:
                extension = (
                    registry_extension(entry, directory) if isinstance(entry, dict) else None
                )
                if extension is not None:
                    yield edition, extension

    def _manifests(self, directory: str, warn: Warn) -> Iterator[VscodeExtension]:
        try:
            names = sorted(os.listdir(self.host.path(directory)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        try:
            # Uninstalled extensions wait in .obsolete until the editor next starts.
            obsolete = json.loads(self._read(f"{directory}/.obsolete"))
        except (OSError, ValueError):
            obsolete = {}
        for name in names:
            if name.startswith(".") or (isinstance(obsolete, dict) and obsolete.get(name)):
                continue
            manifest = f"{directory}/{name}/package.json"
            try:
                package = json.loads(self._read(manifest).decode("utf-8-sig", "replace"))
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
                continue
            except ValueError as exc:
                warn(f"vscode_extensions: skipped {manifest}: {exc}")
                continue
            extension = (
                manifest_extension(package, f"{directory}/{name}")
                if isinstance(package, dict)
                else None
            )
            if extension is not None:
                yield extension

    def jetbrains_plugins(self, home: str, warn: Warn) -> Iterator[JetbrainsPlugin]:
        """The plugins of every JetBrains IDE configuration of a home.

        osquery looks in <config>/plugins, where macOS and Windows keep them; Linux IDEs keep
        them in <config> itself, so both are read.
        """
        base = glob.escape(f"{self._root}{home.rstrip('/')}/{JETBRAINS_DIR}")
        for product, prefix in JETBRAINS_PRODUCTS:
            # The version digits keep PyCharm from also matching PyCharmCE's directories.
            found = sorted(p[len(self._root) :] for p in glob.glob(f"{base}/{prefix}[0-9]*"))
            for plugins_dir in (d for config in found for d in (f"{config}/plugins", config)):
                entries = self._entries(plugins_dir)
                for path, is_dir in entries:
                    if not is_dir:
                        attributes = self._plugin_xml(path, warn)
                        if attributes is not None:
                            yield JetbrainsPlugin(product, path, *attributes)
                for path, is_dir in entries:
                    if is_dir:
                        plugin = self._plugin_directory(product, path, warn)
                        if plugin is not None:
                            yield plugin

    def _entries(self, directory: str) -> list[tuple[str, bool]]:
        try:
            names = sorted(os.listdir(self.host.path(directory)))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []
        return [(f"{directory}/{n}", self.host.path(f"{directory}/{n}").is_dir()) for n in names]

    def _plugin_directory(self, product: str, path: str, warn: Warn) -> JetbrainsPlugin | None:
        jars = [p for p, is_dir in self._entries(f"{path}/lib") if not is_dir]
        for jar in likely_plugin_jars_first(path.rpartition("/")[2], jars):
            attributes = self._plugin_xml(jar, warn)
            if attributes is not None:
                return JetbrainsPlugin(product, path, *attributes)
        return None

    def _plugin_xml(self, jar: str, warn: Warn) -> tuple[str, str, str] | None:
        """The plugin.xml attributes of a jar; None when it is not a jar or has none."""
        try:
            with zipfile.ZipFile(self.host.path(jar)) as archive:
                info = archive.getinfo(PLUGIN_XML)
                if info.file_size > _MAX_XML:
                    return None
                data = archive.read(info)
        except KeyError:
            return None
        except (OSError, zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
            if jar.endswith(".jar"):
                warn(f"jetbrains_plugins: cannot read {jar}: {exc}")
            return None
        return parse_plugin_xml(data)


def attach(host: Host) -> EditorPlugins:
    """The editor plugin reader of host."""
    return EditorPlugins(host)
