"""The LXD REST API calls osquery's lxd tables make, over the daemon's unix socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hostql.host.unix_http import SocketMissing, UnixHttpError, get_json

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]
JsonObject = dict[str, Any]


def _segment(name: str) -> str:
    return quote(name, safe="")


def strip_instance_url(url: str) -> str:
    """An instance's name from its API URL, as osquery lists network users."""
    for prefix in ("/1.0/containers/", "/1.0/instances/"):
        if url.startswith(prefix):
            return url[len(prefix) :]
    return url


class LxdClient:
    """GETs against one LXD socket; a failed call warns (unless the socket is absent)."""

    def __init__(self, socket_path: str, warn: Warn) -> None:
        self.socket_path = socket_path
        self.warn = warn
        self.missing = False
        self._instances = "/1.0/instances"

    def metadata(self, target: str, quiet: tuple[int, ...] = ()) -> Any | None:
        """The metadata of a synchronous LXD answer, or None after a failure."""
        try:
            return self.fetch(target)
        except SocketMissing:
            # osquery logs an unreachable daemon at verbose level only.
            self.missing = True
        except UnixHttpError as exc:
            if exc.status not in quiet:
                self.warn(f"LXD API GET {target}: {exc}")
        return None

    def fetch(self, target: str) -> Any:
        """The metadata of a synchronous LXD answer; UnixHttpError on any failure."""
        if self.missing:
            raise SocketMissing(f"no socket at {self.socket_path}")
        answer = get_json(self.socket_path, target)
        if not isinstance(answer, dict) or answer.get("type") == "error":
            error = answer.get("error") if isinstance(answer, dict) else None
            raise UnixHttpError(error or "not an LXD response")
        return answer.get("metadata")

    def _object(self, target: str, quiet: tuple[int, ...] = ()) -> JsonObject | None:
        found = self.metadata(target, quiet)
        if found is None or isinstance(found, dict):
            return found
        self.warn(f"LXD API GET {target}: expected an object, got {type(found).__name__}")
        return None

    def _objects(self, target: str) -> list[JsonObject] | None:
        found = self.metadata(target)
        if found is None:
            return None
        if not isinstance(found, list):
            self.warn(f"LXD API GET {target}: expected a list, got {type(found).__name__}")
            return None
        return [item for item in found if isinstance(item, dict)]

    def instances(self) -> list[JsonObject] | None:
        """Every instance (GET /1.0/instances?recursion=1)."""
        target = "/1.0/instances?recursion=1"
        try:
            found = self.fetch(target)
        except SocketMissing:
            self.missing = True
            return None
        except UnixHttpError as exc:
            if exc.status != 404:
                self.warn(f"LXD API GET {target}: {exc}")
                return None
            # LXD before 3.19 knows only /1.0/containers (where osquery still asks).
            self._instances = "/1.0/containers"
            return self._objects(f"{self._instances}?recursion=1")
        if not isinstance(found, list):
            self.warn(f"LXD API GET {target}: expected a list, got {type(found).__name__}")
            return None
        return [item for item in found if isinstance(item, dict)]

    def instance(self, name: str) -> JsonObject | None:
        """One instance by name (GET /1.0/instances/<name>); None if there is none."""
        return self._object(f"{self._instances}/{_segment(name)}", quiet=(404,))

    def instance_state(self, name: str) -> JsonObject | None:
        """An instance's runtime state (pid, processes, ...)."""
        return self._object(f"{self._instances}/{_segment(name)}/state")

    def instance_metadata(self, name: str) -> JsonObject | None:
        """An instance's image metadata (its metadata.yaml)."""
        return self._object(f"{self._instances}/{_segment(name)}/metadata")

    def images(self) -> list[JsonObject] | None:
        """Every image (GET /1.0/images?recursion=1)."""
        return self._objects("/1.0/images?recursion=1")

    def image(self, fingerprint: str) -> JsonObject | None:
        """One image by fingerprint or fingerprint prefix; None if there is none."""
        return self._object(f"/1.0/images/{_segment(fingerprint)}", quiet=(404,))

    def certificates(self) -> list[JsonObject] | None:
        """Every trusted certificate."""
        return self._objects("/1.0/certificates?recursion=1")

    def networks(self) -> list[JsonObject] | None:
        """Every network, managed or not."""
        return self._objects("/1.0/networks?recursion=1")

    def network_state(self, name: str) -> JsonObject | None:
        """A network's state and counters."""
        return self._object(f"/1.0/networks/{_segment(name)}/state")

    def cluster(self) -> JsonObject | None:
        """This server's cluster settings (GET /1.0/cluster)."""
        return self._object("/1.0/cluster")

    def cluster_members(self) -> list[JsonObject] | None:
        """Every cluster member."""
        return self._objects("/1.0/cluster/members?recursion=1")

    def storage_pools(self) -> list[JsonObject] | None:
        """Every storage pool."""
        return self._objects("/1.0/storage-pools?recursion=1")

    def storage_pool_resources(self, name: str) -> JsonObject | None:
        """A storage pool's space and inode usage."""
        return self._object(f"/1.0/storage-pools/{_segment(name)}/resources")


class LxdApi:
    """Hands out clients for the LXD socket a query's flags name, inside the host root."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def client(self, socket_flag: str, warn: Warn) -> LxdClient:
        """A client of the socket at socket_flag (a host path)."""
        return LxdClient(str(self.host.path(socket_flag)), warn)


def attach(host: Host) -> LxdApi:
    """The LXD API reader of host."""
    return LxdApi(host)
