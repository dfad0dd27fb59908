"""--host_identifier: hostname, uuid, instance, ephemeral, specified (reference §15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.daemon.identity import HostIdentity
from hostql.daemon.state import BackingStore
from hostql.flags import default_values
from hostql.host import Host


@pytest.fixture
def host(tmp_path: Path) -> Host:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "hostname").write_text("web01\n")
    return Host(tmp_path)


def identity(host: Host, store: BackingStore, **flags: str) -> HostIdentity:
    values = default_values()
    for name, value in flags.items():
        values.set(name, value)
    return HostIdentity(values, store, host)


def test_hostname_is_the_default(host: Host) -> None:
    assert identity(host, BackingStore.in_memory())() == "web01"


def test_uuid_from_dmi_else_generated_once(host: Host, tmp_path: Path) -> None:
    store = BackingStore.in_memory()
    generated = identity(host, store, host_identifier="uuid")()
    assert len(generated) == 36 and generated == generated.upper()
    assert identity(host, store, host_identifier="uuid")() == generated
    dmi = tmp_path / "sys" / "class" / "dmi" / "id"
    dmi.mkdir(parents=True)
    (dmi / "product_uuid").write_text("4c4c4544-0042-3510-8052-b7c04f333231\n")
    assert identity(Host(tmp_path), store, host_identifier="uuid")() == (
        "4C4C4544-0042-3510-8052-B7C04F333231"
    )


def test_instance_is_persisted_and_ephemeral_is_not(host: Host) -> None:
    store = BackingStore.in_memory()
    first = identity(host, store, host_identifier="instance")()
    assert identity(host, store, host_identifier="instance")() == first
    ephemeral = identity(host, store, host_identifier="ephemeral")
    assert ephemeral() == ephemeral() != identity(host, store, host_identifier="ephemeral")()


def test_specified_falls_back_to_hostname_when_empty(host: Host) -> None:
    store = BackingStore.in_memory()
    assert (
        identity(host, store, host_identifier="specified", specified_identifier="db-7")() == "db-7"
    )
    assert identity(host, store, host_identifier="specified")() == "web01"
