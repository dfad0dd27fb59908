"""A connection with osquery's SQL functions registered, and a one-value query helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apsw
import pytest

from hostql.sql.functions import register


@pytest.fixture
def connection() -> apsw.Connection:
    """A fresh in-memory connection with every function and collation registered."""
    database = apsw.Connection(":memory:")
    register(database)
    return database


@pytest.fixture
def scalar(connection: apsw.Connection) -> Callable[..., Any]:
    """Run a one-column, one-row SELECT and return its value."""

    def run(sql: str, *bindings: Any) -> Any:
        rows = connection.execute(sql, bindings).fetchall()
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]

    return run
