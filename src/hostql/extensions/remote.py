"""The shell's engine while connected to another core's socket (.connect / --connect).

As in osqueryi, only SQL goes to the other process (its query and getQueryColumns calls);
meta-commands such as .tables keep answering from the local engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from hostql.errors import SqlError
from hostql.extensions.client import CallError, ThriftClient
from hostql.sql.engine import Engine, StatementResult


class RemoteEngine:
    """An Engine whose statements run in the hostqld or osqueryd listening on path."""

    def __init__(self, path: str, local: Engine) -> None:
        self.remote_path = path
        self.local = local
        self.client = ThriftClient(path, call_timeout=600.0)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.local, name)

    def statements(
        self, sql: str, bindings: Sequence[Any] | None = None
    ) -> Iterator[StatementResult]:
        """The whole text in one call, as osqueryi sends it."""
        yield self.execute(sql)

    def execute(self, sql: str, bindings: Any = None) -> StatementResult:
        """Run sql remotely: rows from query, column order from getQueryColumns."""
        try:
            result = self.client.query(sql)
            self._check(result)
            described = self.client.get_query_columns(sql)
            self._check(described)
        except CallError as exc:
            raise SqlError(f"Extension call failed: {exc}") from None
        columns = [name for item in described.get("response") or [] for name in item]
        rows = [
            tuple(row.get(column, "") for column in columns) for row in result.get("response") or []
        ]
        return StatementResult(sql, columns, rows)

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Run sql remotely and return its rows as dicts."""
        return self.execute(sql).dicts()

    def close(self) -> None:
        """Drop the connection."""
        self.client.close()

    @staticmethod
    def _check(response: dict[str, Any]) -> None:
        status = response.get("status") or {}
        if status.get("code", 0) != 0:
            raise SqlError(str(status.get("message") or "query failed"))
