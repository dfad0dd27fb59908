"""Every registered table against osquery's reference: columns, order, types, flags, SQL."""

from __future__ import annotations

from typing import Any

import pytest

from hostql.registry import builtin_registry
from hostql.schema import TableSpec

REGISTRY = builtin_registry()
# Tables hostql adds beyond osquery's: documented, but not in osquery's reference.
HOSTQL_TABLES = {"hostql_delivery_queues"}
NAMES = [name for name in REGISTRY.names() if name not in HOSTQL_TABLES]
OSQUERY_PLATFORMS = {"linux", "macos", "windows"}


@pytest.mark.parametrize("name", NAMES)
def test_spec_matches_reference(name: str, reference_tables: dict[str, dict[str, Any]]) -> None:
    spec: TableSpec = REGISTRY.spec(name)
    assert name in reference_tables, f"{name} is not an osquery Linux table"
    ref = reference_tables[name]
    assert spec.create_table_sql(osquery_only=True) == ref["create_table_sql_on_linux"]
    extras = [c for c in spec.columns if c.hostql_only]
    assert all(c.is_hidden for c in extras)
    assert list(spec.columns[len(spec.columns) - len(extras) :]) == extras, "extras go last"
    ours = {c.name: c for c in spec.columns}
    for column in ref["columns"]:
        mine = ours[column["name"]]
        assert mine.type.value == column["type"], column["name"]
        for option in ("required", "index", "hidden", "additional", "optimized"):
            assert getattr(mine, option) == column[option], (column["name"], option)
        assert mine.collate == column["collate"], column["name"]
        assert mine.aliases == tuple(column.get("aliases", ())), column["name"]
    assert set(spec.aliases) == set(ref["aliases"])
    assert set(spec.platforms) & OSQUERY_PLATFORMS == set(ref["platforms"])
    assert spec.evented == ref["evented"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_documented(name: str) -> None:
    spec = REGISTRY.spec(name)
    assert spec.description
    assert spec.examples, f"{name} needs at least one example query"
    assert spec.generator is not None and spec.generator.__doc__
