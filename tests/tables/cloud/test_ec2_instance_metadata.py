"""ec2_instance_metadata: a fake IMDS on 127.0.0.1, reached only from an EC2 fixture host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from metadata_server import Seen, dmi_tree, metadata_service

from hostql.tables.cloud.ec2_instance_metadata import ec2_instance_metadata
from hostql.testing import run_table

TOKEN = "AQAEAFake-token=="
IDENTITY = {
    "accountId": "123456789012",
    "architecture": "x86_64",
    "availabilityZone": "eu-west-1b",
    "imageId": "ami-0abcdef1234567890",
    "instanceId": "i-0123456789abcdef0",
    "instanceType": "t3.micro",
    "privateIp": "172.31.5.9",
    "region": "eu-west-1",
    "version": "2017-09-30",
}
ROUTES = {
    ("PUT", "/latest/api/token"): (200, TOKEN),
    ("GET", "/latest/dynamic/instance-identity/document"): (200, json.dumps(IDENTITY)),
    ("GET", "/latest/meta-data/iam/info"): (
        200,
        json.dumps(
            {"Code": "Success", "InstanceProfileArn": "arn:aws:iam::123:instance-profile/web"}
        ),
    ),
    ("GET", "/latest/meta-data/mac"): (200, "0a:1b:2c:3d:4e:5f"),
    ("GET", "/latest/meta-data/local-hostname"): (200, "ip-172-31-5-9.eu-west-1.compute.internal"),
    ("GET", "/latest/meta-data/reservation-id"): (200, "r-0fedcba9876543210"),
    ("GET", "/latest/meta-data/security-groups"): (200, "web\nssh"),
}


@pytest.fixture
def imds(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    with metadata_service(ROUTES) as (base, seen):
        monkeypatch.setattr("hostql.host.cloud.EC2_METADATA_URL", f"{base}/latest/")
        yield seen


@pytest.mark.parametrize(
    "fields",
    [
        {"sys_vendor": "Amazon EC2", "bios_vendor": "Amazon EC2"},
        {"hypervisor_uuid": "ec2e1916-9099-7caf-fd21-012345abcdef"},
        {"bios_version": "4.11.amazon"},
    ],
)
def test_an_ec2_host_gets_its_metadata(tmp_path: Path, imds: Seen, fields: dict[str, str]) -> None:
    root = dmi_tree(tmp_path, **fields)
    rows = run_table(ec2_instance_metadata, root=root)
    assert rows == [
        {
            "instance_id": "i-0123456789abcdef0",
            "instance_type": "t3.micro",
            "architecture": "x86_64",
            "region": "eu-west-1",
            "availability_zone": "eu-west-1b",
            "local_hostname": "ip-172-31-5-9.eu-west-1.compute.internal",
            "local_ipv4": "172.31.5.9",
            "mac": "0a:1b:2c:3d:4e:5f",
            "security_groups": "webssh",
            "iam_arn": "arn:aws:iam::123:instance-profile/web",
            "ami_id": "ami-0abcdef1234567890",
            "reservation_id": "r-0fedcba9876543210",
            "account_id": "123456789012",
            "ssh_public_key": None,
        }
    ]
    token_requests = [r for r in imds if r[0] == "PUT"]
    assert len(token_requests) == 1
    assert token_requests[0][2]["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    assert all(r[2].get("x-aws-ec2-metadata-token") == TOKEN for r in imds if r[0] == "GET")


def test_only_the_used_resources_are_fetched(tmp_path: Path, imds: Seen) -> None:
    root = dmi_tree(tmp_path, sys_vendor="Amazon EC2")
    rows = run_table(ec2_instance_metadata, root=root, columns="mac")
    assert rows == [{"mac": "0a:1b:2c:3d:4e:5f"}]
    assert [path for method, path, _ in imds if method == "GET"] == ["/latest/meta-data/mac"]


def test_other_hosts_send_nothing(tmp_path: Path, imds: Seen) -> None:
    root = dmi_tree(tmp_path, sys_vendor="QEMU", product_name="Standard PC (Q35 + ICH9, 2009)")
    assert run_table(ec2_instance_metadata, root=root) == []
    assert run_table(ec2_instance_metadata, root=tmp_path / "empty") == []
    assert imds == []


def test_without_a_token_imdsv1_is_used_unless_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = {k: v for k, v in ROUTES.items() if k[0] == "GET"}
    root = dmi_tree(tmp_path, sys_vendor="Amazon EC2")
    with metadata_service(routes) as (base, seen):
        monkeypatch.setattr("hostql.host.cloud.EC2_METADATA_URL", f"{base}/latest/")
        rows = run_table(ec2_instance_metadata, root=root, columns="instance_id, mac")
        assert rows == [{"instance_id": "i-0123456789abcdef0", "mac": "0a:1b:2c:3d:4e:5f"}]
        assert all("x-aws-ec2-metadata-token" not in r[2] for r in seen if r[0] == "GET")
        seen.clear()
        rows = run_table(
            ec2_instance_metadata,
            root=root,
            columns="instance_id",
            flags={"aws_disable_imdsv1_fallback": True},
        )
        assert rows == [{"instance_id": None}]
        assert [r[0] for r in seen] == ["PUT"]


def test_a_broken_identity_document_leaves_its_columns_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = dict(ROUTES)
    routes[("GET", "/latest/dynamic/instance-identity/document")] = (200, "{not json")
    root = dmi_tree(tmp_path, sys_vendor="Amazon EC2")
    with metadata_service(routes) as (base, _):
        monkeypatch.setattr("hostql.host.cloud.EC2_METADATA_URL", f"{base}/latest/")
        rows = run_table(ec2_instance_metadata, root=root, columns="instance_id, reservation_id")
    assert rows == [{"instance_id": None, "reservation_id": "r-0fedcba9876543210"}]
