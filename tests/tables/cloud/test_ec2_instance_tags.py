"""ec2_instance_tags: tags from a fake IMDS on 127.0.0.1, for an EC2 fixture host only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from metadata_server import dmi_tree, metadata_service

from hostql.tables.cloud.ec2_instance_tags import ec2_instance_tags
from hostql.testing import run_table

ROUTES = {
    ("PUT", "/latest/api/token"): (200, "tok"),
    ("GET", "/latest/dynamic/instance-identity/document"): (
        200,
        json.dumps({"instanceId": "i-0abc", "region": "us-east-1"}),
    ),
    ("GET", "/latest/meta-data/tags/instance"): (200, "Name\nteam name"),
    ("GET", "/latest/meta-data/tags/instance/Name"): (200, "web-1"),
    ("GET", "/latest/meta-data/tags/instance/team%20name"): (200, "infra"),
}


def test_tags_of_an_ec2_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dmi_tree(tmp_path, hypervisor_uuid="ec2abcd0-1234-5678-9abc-def012345678")
    with metadata_service(ROUTES) as (base, _):
        monkeypatch.setattr("hostql.host.cloud.EC2_METADATA_URL", f"{base}/latest/")
        rows = run_table(ec2_instance_tags, root=root)
    assert rows == [
        {"instance_id": "i-0abc", "key": "Name", "value": "web-1"},
        {"instance_id": "i-0abc", "key": "team name", "value": "infra"},
    ]


def test_tags_disabled_in_imds_give_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = {k: v for k, v in ROUTES.items() if "tags" not in k[1]}
    root = dmi_tree(tmp_path, sys_vendor="Amazon EC2")
    with metadata_service(routes) as (base, seen):
        monkeypatch.setattr("hostql.host.cloud.EC2_METADATA_URL", f"{base}/latest/")
        assert run_table(ec2_instance_tags, root=root) == []
    assert any(path == "/latest/meta-data/tags/instance" for _, path, _ in seen)


def test_not_ec2_sends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dmi_tree(tmp_path, sys_vendor="Dell Inc.", hypervisor_uuid="xen-1234")
    with metadata_service(ROUTES) as (base, seen):
        monkeypatch.setattr("hostql.host.cloud.EC2_METADATA_URL", f"{base}/latest/")
        assert run_table(ec2_instance_tags, root=root) == []
    assert seen == []
