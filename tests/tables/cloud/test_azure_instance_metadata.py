"""azure_instance_metadata: a fake Azure IMDS on 127.0.0.1, for an Azure fixture host only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from metadata_server import dmi_tree, metadata_service

from hostql.host.cloud import AZURE_ASSET_TAG
from hostql.tables.cloud.azure_instance_metadata import azure_instance_metadata
from hostql.testing import engine_for, run_table

PATH = "/metadata/instance/compute?api-version=2018-02-01"
COMPUTE = {
    "location": "westeurope",
    "name": "vm-web-1",
    "offer": "0001-com-ubuntu-server-jammy",
    "osType": "Linux",
    "placementGroupId": "",
    "platformFaultDomain": "0",
    "platformUpdateDomain": 3,
    "publisher": "Canonical",
    "resourceGroupName": "rg-web",
    "sku": "22_04-lts-gen2",
    "subscriptionId": "8d10da13-8125-4ba9-a717-bf7490507b3d",
    "tags": "env:prod;owner:ops",
    "version": "22.04.202301140",
    "vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
    "vmScaleSetName": "",
    "vmSize": "Standard_B1s",
    "zone": "1",
    "plan": {"name": "", "product": "", "publisher": ""},
}


def _point_at(monkeypatch: pytest.MonkeyPatch, base: str) -> None:
    monkeypatch.setattr("hostql.host.cloud.AZURE_METADATA_URL", base + PATH)


def test_an_azure_vm_gets_its_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dmi_tree(tmp_path, chassis_asset_tag=AZURE_ASSET_TAG, sys_vendor="Microsoft Corporation")
    with metadata_service({("GET", PATH): (200, json.dumps(COMPUTE))}) as (base, seen):
        _point_at(monkeypatch, base)
        rows = run_table(azure_instance_metadata, root=root)
    assert rows == [
        {
            "location": "westeurope",
            "name": "vm-web-1",
            "offer": "0001-com-ubuntu-server-jammy",
            "publisher": "Canonical",
            "sku": "22_04-lts-gen2",
            "version": "22.04.202301140",
            "os_type": "Linux",
            "platform_update_domain": "3",
            "platform_fault_domain": "0",
            "vm_id": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
            "vm_size": "Standard_B1s",
            "subscription_id": "8d10da13-8125-4ba9-a717-bf7490507b3d",
            "resource_group_name": "rg-web",
            "placement_group_id": "",
            "vm_scale_set_name": "",
            "zone": "1",
        }
    ]
    assert seen[0][2]["Metadata"] == "true"


def test_the_guest_agent_log_also_shows_azure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "var/log").mkdir(parents=True)
    (tmp_path / "var/log/waagent.log").write_text("")
    with metadata_service({("GET", PATH): (200, json.dumps(COMPUTE))}) as (base, _):
        _point_at(monkeypatch, base)
        assert run_table(azure_instance_metadata, root=tmp_path, columns="name") == [
            {"name": "vm-web-1"}
        ]


def test_errors_give_no_rows_and_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dmi_tree(tmp_path, chassis_asset_tag=AZURE_ASSET_TAG)
    for answer in ((500, "oops"), (200, "[1, 2]"), (200, "not json")):
        with metadata_service({("GET", PATH): answer}) as (base, _):
            _point_at(monkeypatch, base)
            engine = engine_for(azure_instance_metadata, root=root)
            try:
                assert engine.query("SELECT * FROM azure_instance_metadata") == []
                assert engine.take_warnings() == ["Couldn't fetch Azure instance metadata"]
            finally:
                engine.close()


def test_hyper_v_outside_azure_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = dmi_tree(tmp_path, sys_vendor="Microsoft Corporation", product_name="Virtual Machine")
    with metadata_service({("GET", PATH): (200, json.dumps(COMPUTE))}) as (base, seen):
        _point_at(monkeypatch, base)
        assert run_table(azure_instance_metadata, root=root) == []
    assert seen == []
