"""lxd_instance_config: the config keys of queried instances."""

from __future__ import annotations

import pytest

from hostql.errors import SqlError
from hostql.tables.containers.lxd_instance_config import lxd_instance_config


def test_config_of_one_instance(lxd, query) -> None:
    rows, warnings = query(lxd_instance_config, "name = 'scratch'", flags=lxd.flags)
    assert rows == [
        {
            "name": "scratch",
            "key": "image.description",
            "value": "Alpinelinux 3.19 x86_64 (20240301_13:00)",
        },
        {"name": "scratch", "key": "image.os", "value": "Alpinelinux"},
        {"name": "scratch", "key": "image.release", "value": "3.19"},
        {
            "name": "scratch",
            "key": "volatile.base_image",
            "value": "b5ff841fcb8aa8852cf0336f3fb5cded88fd3b1054f79c3db6941d0d30d0a496",
        },
        {"name": "scratch", "key": "volatile.last_state.power", "value": "STOPPED"},
    ]
    assert warnings == []
    assert lxd.paths() == ["/1.0/instances/scratch"]


def test_several_names(lxd, query) -> None:
    rows, _ = query(
        lxd_instance_config,
        "name IN ('web1', 'scratch', 'gone') AND key = 'image.os'",
        flags=lxd.flags,
    )
    assert rows == [
        {"name": "scratch", "key": "image.os", "value": "Alpinelinux"},
        {"name": "web1", "key": "image.os", "value": "Ubuntu"},
    ]


def test_the_name_is_required(lxd, query) -> None:
    with pytest.raises(SqlError, match="required column"):
        query(lxd_instance_config, flags=lxd.flags)
