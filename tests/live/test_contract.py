"""Every registered table on the live machine: each value fits its declared type."""

from __future__ import annotations

import pytest

from hostql.errors import SqlError
from hostql.registry import builtin_registry
from hostql.schema import BIGINT, BLOB, DOUBLE, INTEGER, TEXT, UNSIGNED_BIGINT
from hostql.sql.engine import Engine

pytestmark = pytest.mark.live

REGISTRY = builtin_registry()
LIMITS = {
    INTEGER: (-(2**63), 2**63 - 1),
    BIGINT: (-(2**63), 2**63 - 1),
    # SQLite stores 64-bit signed integers; osquery's UNSIGNED BIGINT values travel as such.
    UNSIGNED_BIGINT: (-(2**63), 2**63 - 1),
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def _queries(name: str) -> list[str]:
    spec = REGISTRY.spec(name)
    if any(c.required for c in spec.columns):
        return list(spec.examples)
    return [f"SELECT * FROM {name}", *spec.examples]


@pytest.mark.parametrize("name", REGISTRY.names())
def test_every_value_fits_its_type(engine: Engine, name: str) -> None:
    spec = REGISTRY.spec(name)
    types = {c.name: c.type for c in spec.all_columns()}
    for sql in _queries(name):
        try:
            result = engine.execute(sql)
        except SqlError as exc:
            pytest.fail(f"{sql}: {exc}")
        for row in result.rows:
            for column, value in zip(result.columns, row, strict=True):
                declared = types.get(column)
                if value is None or declared is None:
                    continue
                if declared is TEXT:
                    assert isinstance(value, str), (name, column, value)
                elif declared is DOUBLE:
                    assert isinstance(value, float), (name, column, value)
                elif declared is BLOB:
                    assert isinstance(value, bytes), (name, column, value)
                else:
                    low, high = LIMITS[declared]
                    assert isinstance(value, int) and low <= value <= high, (name, column, value)
