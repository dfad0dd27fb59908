"""Config plugins offered by extensions: genConfig's sources and genPack's packs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostql.errors import ConfigError, PluginError

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon
    from hostql.extensions.extension import RegisteredExtension
    from hostql.extensions.manager import ExtensionManager


class ExtensionConfig:
    """One extension config plugin, as a config source the daemon parses."""

    def __init__(self, manager: ExtensionManager, name: str) -> None:
        self.manager = manager
        self.name = name

    def available(self, timeout: float) -> bool:
        """Wait up to timeout seconds for an extension to register the plugin."""
        return self.manager.wait_for(lambda: self._extension_or_none() is not None, timeout)

    def generate(self) -> list[tuple[str, str]]:
        """genConfig: (source name, JSON text) pairs; ConfigError if the plugin fails."""
        response = self._call({"action": "genConfig"})
        sources: list[tuple[str, str]] = []
        for row in response:
            sources.extend((str(name), str(text)) for name, text in sorted(row.items()))
        return sources

    def pack(self, name: str, value: str = "") -> str:
        """genPack: the JSON text of a pack the config names as a string."""
        response = self._call({"action": "genPack", "name": name, "value": value})
        for row in response:
            if name in row:
                return str(row[name])
            for text in row.values():
                return str(text)
        raise ConfigError(f"config plugin {self.name} has no pack {name}")

    def _extension_or_none(self) -> RegisteredExtension | None:
        return self.manager.plugin("config", self.name)

    def _call(self, request: dict[str, str]) -> list[dict[str, str]]:
        extension = self._extension_or_none()
        if extension is None:
            raise ConfigError(f"Config plugin {self.name} is not registered by any extension")
        try:
            response = extension.call("config", self.name, request)
        except PluginError as exc:
            raise ConfigError(f"Config plugin {self.name}: {exc}") from None
        status = response.get("status") or {}
        if status.get("code", 0) != 0:
            raise ConfigError(f"Config plugin {self.name}: {status.get('message', 'failed')}")
        return list(response.get("response") or [])


def extension_config(daemon: Daemon, name: str) -> ExtensionConfig:
    """The daemon's config plugin name from an extension, waiting for it to register.

    Starts the extensions service if the daemon has not yet (the first config is read before
    services start); ConfigError when no extension offers the plugin in time.
    """
    from hostql.extensions.service import start, wait_seconds

    if daemon.values["disable_extensions"]:
        raise ConfigError(f"Config plugin {name} is not available (extensions are disabled)")
    service = start(daemon)
    source = ExtensionConfig(service.manager, name)
    if not source.available(wait_seconds(daemon.values)):
        raise ConfigError(f"Config plugin {name} is not registered by any extension")
    return source
