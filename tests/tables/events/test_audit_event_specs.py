"""The audit tables' specs against osquery's reference: columns, order, types, flags."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from hostql.schema import TableSpec

TABLES = (
    "process_events",
    "socket_events",
    "user_events",
    "process_file_events",
    "selinux_events",
    "apparmor_events",
    "seccomp_events",
)


@pytest.mark.parametrize("name", TABLES)
def test_audit_table_matches_osquery(name: str, reference_tables: dict[str, Any]) -> None:
    spec: TableSpec = getattr(importlib.import_module(f"hostql.tables.events.{name}"), name)
    ref = reference_tables[name]
    assert spec.create_table_sql(osquery_only=True) == ref["create_table_sql_on_linux"]
    assert spec.evented and ref["evented"]
    ours = {c.name: c for c in spec.columns}
    for column in ref["columns"]:
        mine = ours[column["name"]]
        assert mine.type.value == column["type"], column["name"]
        for option in ("hidden", "additional"):
            assert getattr(mine, option) == column[option], (column["name"], option)
    assert spec.examples and spec.generator is not None and spec.generator.__doc__
