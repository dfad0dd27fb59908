"""Cloud instances: which cloud the host runs on (DMI and hypervisor identifiers, no network),
and requests to that cloud's instance metadata service.

A metadata address is contacted only after the host's own identifiers show it runs on that
cloud: a machine elsewhere never sends a packet to 169.254.169.254. Tests point the endpoint
constants below at a local server and give the host a fixture DMI tree.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from hostql.host.http_client import HttpError, Response, request

if TYPE_CHECKING:
    from hostql.host import Host

EC2_METADATA_URL = "http://169.254.169.254/latest/"
AZURE_METADATA_URL = "http://169.254.169.254/metadata/instance/compute?api-version=2018-02-01"
YCLOUD_METADATA_ENDPOINT = "http://169.254.169.254"
YCLOUD_METADATA_PATH = "/computeMetadata/v1/instance/?alt=json&recursive=true"
IMDS_TOKEN_TTL = "21600"
# The link-local service answers at once or not at all: never wait long for it.
CONNECT_TIMEOUT = 1.0
REQUEST_TIMEOUT = 3.0

EC2, AZURE, YCLOUD = "ec2", "azure", "ycloud"
# The asset tag Azure stamps on every VM's chassis.
AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77"


class NotOnThisCloud(Exception):
    """A metadata request for a cloud the host does not run on (refused before any packet)."""


class Cloud:
    """The host's cloud identity, and its metadata service once that identity is shown."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def _text(self, path: str) -> str:
        try:
            with open(self.host.path(path), "rb") as handle:
                return handle.read(4096).decode("utf-8", "replace").strip().rstrip("\0")
        except OSError:  # absent, or root-only (product_uuid)
            return ""

    def _dmi(self, name: str) -> str:
        return self._text(f"/sys/class/dmi/id/{name}")

    def is_ec2(self) -> bool:
        """Xen EC2 (hypervisor UUID 'ec2…', 'amazon' BIOS) or Nitro ('Amazon EC2' vendor)."""
        if self._text("/sys/hypervisor/uuid").lower().startswith("ec2"):
            return True
        if "Amazon EC2" in (self._dmi("sys_vendor"), self._dmi("bios_vendor")):
            return True
        if "amazon" in self._dmi("bios_version").lower():
            return True
        return self._dmi("product_uuid").lower().startswith("ec2")

    def is_azure(self) -> bool:
        """Azure's chassis asset tag, or its guest agent's log (osquery's own check)."""
        if self._dmi("chassis_asset_tag") == AZURE_ASSET_TAG:
            return True
        return os.path.isfile(self.host.path("/var/log/waagent.log"))

    def is_ycloud(self) -> bool:
        """Yandex Cloud names itself as the system, board or BIOS vendor."""
        vendors = (self._dmi("sys_vendor"), self._dmi("board_vendor"), self._dmi("bios_vendor"))
        return any(v.startswith("Yandex") for v in vendors)

    def runs_on(self, cloud: str) -> bool:
        """Whether the host shows it runs on cloud (EC2, AZURE or YCLOUD)."""
        checks = {EC2: self.is_ec2, AZURE: self.is_azure, YCLOUD: self.is_ycloud}
        return checks[cloud]()

    def fetch(
        self,
        cloud: str,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One bounded metadata request, refused (NotOnThisCloud) unless the host runs on cloud."""
        if not self.runs_on(cloud):
            raise NotOnThisCloud(cloud)
        return request(
            url,
            method=method,
            headers=headers,
            body=b"" if method == "PUT" else None,
            timeout=REQUEST_TIMEOUT,
            connect_timeout=CONNECT_TIMEOUT,
            follow_redirects=False,
        )

    # -- EC2 (IMDS) ---------------------------------------------------------------------------

    def ec2_token(self) -> str:
        """An IMDSv2 session token, or '' when the service gives none."""
        try:
            response = self.fetch(
                EC2,
                EC2_METADATA_URL + "api/token",
                method="PUT",
                headers={"x-aws-ec2-metadata-token-ttl-seconds": IMDS_TOKEN_TTL},
            )
        except HttpError:
            return ""
        return response.body.decode("utf-8", "replace") if response.status == 200 else ""

    def ec2_get(self, suffix: str, token: str) -> str:
        """The body of an IMDS resource under /latest/, '' when absent (404) or failing."""
        headers = {"x-aws-ec2-metadata-token": token} if token else {}
        try:
            response = self.fetch(EC2, EC2_METADATA_URL + suffix, headers=headers)
        except HttpError:
            return ""
        return response.body.decode("utf-8", "replace") if response.status == 200 else ""

    # -- Azure (IMDS) -------------------------------------------------------------------------

    def azure_metadata(self) -> dict[str, Any] | None:
        """The instance's compute metadata document, or None when it cannot be had."""
        try:
            response = self.fetch(AZURE, AZURE_METADATA_URL, headers={"Metadata": "true"})
        except HttpError:
            return None
        return _json_object(response)

    # -- Yandex Cloud -------------------------------------------------------------------------

    def ycloud_metadata(self, endpoint: str) -> dict[str, Any] | None:
        """The instance document of a (GCE-style) metadata endpoint, or None."""
        try:
            response = self.fetch(
                YCLOUD, endpoint + YCLOUD_METADATA_PATH, headers={"Metadata-Flavor": "Google"}
            )
        except HttpError:
            return None
        return _json_object(response)


def json_text(value: object) -> str:
    """A metadata JSON value as osquery's property tree gives it: scalars as text, containers
    empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return ""
    return str(value)


def _json_object(response: Response) -> dict[str, Any] | None:
    if response.status != 200:
        return None
    try:
        document = json.loads(response.body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def attach(host: Host) -> Cloud:
    """The cloud reader of host."""
    return Cloud(host)
