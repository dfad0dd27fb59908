"""azure_instance_tags: tags of a fake Azure IMDS document, for an Azure fixture host only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from metadata_server import dmi_tree, metadata_service

from hostql.host.cloud import AZURE_ASSET_TAG
from hostql.tables.cloud.azure_instance_tags import azure_instance_tags
from hostql.testing import run_table

PATH = "/metadata/instance/compute?api-version=2018-02-01"


def _rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: dict[str, object]
) -> list[dict[str, object]]:
    root = dmi_tree(tmp_path, chassis_asset_tag=AZURE_ASSET_TAG)
    with metadata_service({("GET", PATH): (200, json.dumps(document))}) as (base, _):
        monkeypatch.setattr("hostql.host.cloud.AZURE_METADATA_URL", base + PATH)
        return run_table(azure_instance_tags, root=root)


def test_tags_split_as_osquery_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = {"vmId": "vm-1", "tags": "env:prod;url:http://x:8080;junk;;owner:"}
    assert _rows(tmp_path, monkeypatch, document) == [
        {"vm_id": "vm-1", "key": "env", "value": "prod"},
        {"vm_id": "vm-1", "key": "url", "value": "http://x:8080"},
        {"vm_id": "vm-1", "key": "owner", "value": ""},
    ]


def test_no_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _rows(tmp_path, monkeypatch, {"vmId": "vm-1", "tags": ""}) == []


def test_not_azure_sends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with metadata_service({("GET", PATH): (200, "{}")}) as (base, seen):
        monkeypatch.setattr("hostql.host.cloud.AZURE_METADATA_URL", base + PATH)
        assert run_table(azure_instance_tags, root=dmi_tree(tmp_path, sys_vendor="LENOVO")) == []
    assert seen == []
