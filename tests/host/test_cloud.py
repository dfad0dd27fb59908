"""Cloud detection from fixture DMI trees, and proof that a non-cloud host sends no packet."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from hostql.host import Host
from hostql.host.cloud import AZURE, AZURE_ASSET_TAG, EC2, YCLOUD, NotOnThisCloud, json_text
from hostql.sql.engine import Engine
from hostql.tables.cloud.azure_instance_metadata import azure_instance_metadata
from hostql.tables.cloud.azure_instance_tags import azure_instance_tags
from hostql.tables.cloud.ec2_instance_metadata import ec2_instance_metadata
from hostql.tables.cloud.ec2_instance_tags import ec2_instance_tags
from hostql.tables.cloud.ycloud_instance_metadata import ycloud_instance_metadata
from hostql.testing import engine_for

CLOUD_TABLES = (
    ec2_instance_metadata,
    ec2_instance_tags,
    azure_instance_metadata,
    azure_instance_tags,
    ycloud_instance_metadata,
)


def _host(root: Path, files: dict[str, str]) -> Host:
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n")
    return Host(root)


DMI = "/sys/class/dmi/id/"


@pytest.mark.parametrize(
    ("files", "cloud"),
    [
        ({"/sys/hypervisor/uuid": "ec2f1a2b-0000-1111-2222-333344445555"}, EC2),
        ({DMI + "sys_vendor": "Amazon EC2"}, EC2),
        ({DMI + "bios_vendor": "Amazon EC2"}, EC2),
        ({DMI + "bios_version": "4.2.amazon"}, EC2),
        ({DMI + "product_uuid": "EC2A1B2C-0000-1111-2222-333344445555"}, EC2),
        ({DMI + "chassis_asset_tag": AZURE_ASSET_TAG}, AZURE),
        ({"/var/log/waagent.log": ""}, AZURE),
        ({DMI + "sys_vendor": "Yandex"}, YCLOUD),
        ({DMI + "board_vendor": "Yandex"}, YCLOUD),
    ],
)
def test_each_cloud_is_recognised(tmp_path: Path, files: dict[str, str], cloud: str) -> None:
    cloud_reader = _host(tmp_path, files).cloud
    assert {c for c in (EC2, AZURE, YCLOUD) if cloud_reader.runs_on(c)} == {cloud}


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"/sys/hypervisor/uuid": "4dc5a7e2-0000-1111-2222-333344445555"},
        {DMI + "sys_vendor": "QEMU", DMI + "bios_version": "1.16.2-debian-1.16.2-1"},
        {DMI + "sys_vendor": "Microsoft Corporation", DMI + "product_name": "Virtual Machine"},
        {DMI + "sys_vendor": "Google", DMI + "product_name": "Google Compute Engine"},
    ],
)
def test_other_machines_are_no_cloud(tmp_path: Path, files: dict[str, str]) -> None:
    cloud_reader = _host(tmp_path, files).cloud
    assert not any(cloud_reader.runs_on(c) for c in (EC2, AZURE, YCLOUD))


def test_fetch_refuses_before_any_packet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connect(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket was connected")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    with pytest.raises(NotOnThisCloud):
        Host(tmp_path).cloud.fetch(EC2, "http://169.254.169.254/latest/")


def test_json_text() -> None:
    assert [json_text(v) for v in ("a", 3, 1.5, True, None, {}, [1])] == [
        "a",
        "3",
        "1.5",
        "true",
        "null",
        "",
        "",
    ]


@pytest.mark.live
def test_the_live_machine_sends_no_packet(monkeypatch: pytest.MonkeyPatch) -> None:
    live = Host().cloud
    if any(live.runs_on(c) for c in (EC2, AZURE, YCLOUD)):
        pytest.skip("this machine is a cloud instance")
    attempts: list[object] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(sock: socket.socket, address: Any) -> Any:
        if sock.family != socket.AF_UNIX:
            attempts.append(address)
            raise AssertionError(f"network connect to {address}")
        return real_connect(sock, address)

    def guarded_ex(sock: socket.socket, address: Any) -> Any:
        if sock.family != socket.AF_UNIX:
            attempts.append(address)
            raise AssertionError(f"network connect to {address}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    monkeypatch.setattr(socket.socket, "sendto", lambda *a: attempts.append(a))
    engine: Engine = engine_for(*CLOUD_TABLES)
    try:
        for spec in CLOUD_TABLES:
            for sql in (f"SELECT * FROM {spec.name}", *spec.examples):
                assert engine.query(sql) == [], sql
    finally:
        engine.close()
    assert attempts == []
