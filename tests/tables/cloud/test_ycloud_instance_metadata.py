"""ycloud_instance_metadata: a fake Yandex.Cloud metadata service, for a Yandex fixture host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from metadata_server import dmi_tree, metadata_service

from hostql.tables.cloud.ycloud_instance_metadata import ycloud_instance_metadata, zone_id
from hostql.testing import run_table

PATH = "/computeMetadata/v1/instance/?alt=json&recursive=true"
DOCUMENT = {
    "id": "fhm1a2b3c4d5e6f7g8h9",
    "name": "web-1",
    "description": "front end",
    "hostname": "web-1.ru-central1.internal",
    "zone": "projects/b1g1slgali4fssudpn26/zones/ru-central1-a",
    "attributes": {"ssh-keys": "ubuntu:ssh-ed25519 AAAA test", "serial-port-enable": "1"},
    "vendor": {"folderId": "b1gfolder", "cloudId": "b1gcloud"},
}


def test_a_yandex_vm_gets_its_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dmi_tree(tmp_path, sys_vendor="Yandex", product_name="xeon-gold-6230")
    with metadata_service({("GET", PATH): (200, json.dumps(DOCUMENT))}) as (base, seen):
        monkeypatch.setattr("hostql.host.cloud.YCLOUD_METADATA_ENDPOINT", base)
        rows = run_table(ycloud_instance_metadata, root=root)
        by_endpoint = run_table(
            ycloud_instance_metadata,
            "metadata_endpoint = ?",
            base,
            root=root,
            columns="name, metadata_endpoint",
        )
    assert rows == [
        {
            "instance_id": "fhm1a2b3c4d5e6f7g8h9",
            "folder_id": "b1gfolder",
            "cloud_id": "b1gcloud",
            "name": "web-1",
            "description": "front end",
            "hostname": "web-1.ru-central1.internal",
            "zone": "ru-central1-a",
            "ssh_public_key": "ubuntu:ssh-ed25519 AAAA test",
            "serial_port_enabled": "1",
            "metadata_endpoint": base,
        }
    ]
    assert by_endpoint == [{"name": "web-1", "metadata_endpoint": base}]
    assert seen[0][2]["Metadata-Flavor"] == "Google"


def test_odd_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dmi_tree(tmp_path, bios_vendor="Yandex")
    odd = {"id": 5, "attributes": "none", "vendor": {"folderId": 1}}
    with metadata_service({("GET", PATH): (200, json.dumps(odd))}) as (base, _):
        monkeypatch.setattr("hostql.host.cloud.YCLOUD_METADATA_ENDPOINT", base)
        rows = run_table(
            ycloud_instance_metadata, root=root, columns="instance_id, folder_id, zone"
        )
    assert rows == [{"instance_id": "", "folder_id": "", "zone": ""}]


def test_an_explicit_endpoint_is_not_contacted_off_yandex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with metadata_service({("GET", PATH): (200, json.dumps(DOCUMENT))}) as (base, seen):
        rows = run_table(
            ycloud_instance_metadata,
            "metadata_endpoint = ?",
            base,
            root=dmi_tree(tmp_path, sys_vendor="Amazon EC2"),
        )
    assert rows == []
    assert seen == []


def test_zone_id() -> None:
    assert zone_id("projects/b1g1slgali4fssudpn26/zones/ru-central1-a") == "ru-central1-a"
    assert zone_id("projects/b1g1slgali4fssudpn26/zones-ru-central1-a") == ""
    assert zone_id("ru-central1-a") == ""
