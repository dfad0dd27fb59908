"""One registered extension as the core sees it: its info, its plugins and a client to it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from hostql.errors import PluginError
from hostql.extensions.client import CallError, CallTimeout, RemoteError, ThriftClient

# registry name -> plugin name -> route (list of key/value maps), as registerExtension sends it.
Routes = dict[str, dict[str, list[dict[str, str]]]]


class ExtensionGone(PluginError):
    """The extension stopped answering: its plugins fail fast until it is deregistered."""


class ExtensionCallFailed(PluginError):
    """The extension is up but answered a call with a Thrift exception."""


def extension_socket(manager_socket: str, uuid: int) -> str:
    """Where an extension listens: the manager's socket path plus '.<uuid>'."""
    return f"{manager_socket}.{uuid}"


class RegisteredExtension:
    """A registration: uuid, name, version, the plugins it offers, and a connection to it."""

    def __init__(
        self,
        uuid: int,
        info: dict[str, str],
        routes: Routes,
        socket_path: str,
        *,
        call_timeout: float = 30.0,
        start_grace: float = 3.0,
        on_gone: Callable[[RegisteredExtension], None] = lambda extension: None,
    ) -> None:
        self.uuid = uuid
        self.name = str(info.get("name", ""))
        self.version = str(info.get("version", ""))
        self.sdk_version = str(info.get("sdk_version", ""))
        self.min_sdk_version = str(info.get("min_sdk_version", ""))
        self.routes = routes
        self.socket_path = socket_path
        self.alive = True
        self.on_gone = on_gone
        # An SDK opens its socket only after registerExtension returns: until it has answered
        # once, a missing socket means "not yet" for start_grace seconds, as osquery allows.
        self.reached = False
        self.grace_until = time.monotonic() + start_grace
        self.client = ThriftClient(socket_path, call_timeout=call_timeout)

    def __repr__(self) -> str:
        return f"RegisteredExtension({self.uuid}, {self.name!r}, alive={self.alive})"

    def info(self) -> dict[str, str]:
        """Its InternalExtensionInfo."""
        return {
            "name": self.name,
            "version": self.version,
            "sdk_version": self.sdk_version,
            "min_sdk_version": self.min_sdk_version,
        }

    def row(self) -> dict[str, Any]:
        """Its osquery_extensions row."""
        return {
            "uuid": self.uuid,
            "name": self.name,
            "version": self.version,
            "sdk_version": self.sdk_version,
            "path": self.socket_path,
            "type": "extension",
        }

    def plugins(self, registry: str) -> list[str]:
        """The names of its plugins in one registry."""
        return list(self.routes.get(registry, {}))

    def call(self, registry: str, item: str, request: dict[str, str]) -> dict[str, Any]:
        """Extension.call -> ExtensionResponse; ExtensionGone once it stopped answering."""
        if not self.alive:
            raise ExtensionGone(f"extension {self.name} is no longer running")
        # A second try on a fresh connection: the extension may have dropped an idle one.
        attempts = 0
        while True:
            try:
                response = self.client.call(registry, item, request)
            except (RemoteError, CallTimeout) as exc:
                raise ExtensionCallFailed(f"extension {self.name}: {exc}") from None
            except CallError:
                attempts += 1
                if attempts < 2 or self._still_starting():
                    continue
                break
            self.reached = True
            return response
        self.mark_gone()
        raise ExtensionGone(f"extension {self.name} is no longer running")

    def ping(self, wait: float = 0.5, timeout: float = 3.0) -> bool:
        """Whether it answers a ping within timeout (True while it is busy with another call)."""
        attempts = 0
        while self.alive:
            try:
                answered, result = self.client.try_invoke("ping", wait, timeout)
            except CallError:
                attempts += 1  # the second try on a fresh connection
                if attempts < 2 or self._still_starting():
                    continue
                return False
            if answered:
                self.reached = True
            return not answered or (isinstance(result, dict) and result.get("code", 0) == 0)
        return False

    def shutdown(self) -> None:
        """Ask it to exit (osquery does so for every extension when the core stops)."""
        if self.alive:
            with contextlib.suppress(CallError):
                self.client.invoke("shutdown", timeout=1.0)
        self.close()

    def _still_starting(self) -> bool:
        """Whether a failed first contact may still be the extension starting up (pauses)."""
        if self.reached or not self.alive or time.monotonic() >= self.grace_until:
            return False
        time.sleep(0.02)
        return True

    def mark_gone(self) -> None:
        """Stop calling it and let the manager deregister it."""
        if self.alive:
            self.alive = False
            self.client.close()
            self.on_gone(self)

    def close(self) -> None:
        """Drop the connection to it."""
        self.alive = False
        self.client.close()
