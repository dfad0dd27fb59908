"""The name and type of each result column of a query, inferred as osquery's `.types` does."""

from __future__ import annotations

from hostql.errors import SqlError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from hostql.sql.engine import Engine

_ARITHMETIC = "BitAnd BitOr ShiftLeft ShiftRight Add Subtract Multiply Divide Remainder"
_COMPARISONS = "Not IsNull NotNull Ne Eq Gt Le Lt Ge IfNeg IfNotZero"
_DECLARED = frozenset({"TEXT", "INTEGER", "BIGINT", "UNSIGNED BIGINT", "DOUBLE", "BLOB"})
# osquery's QueryPlanner: the VDBE opcodes whose output register has a known type, and which
# operand names that register (osquery/sql/sqlite_util.cpp kSQLOpcodes).
_OPCODES: dict[str, tuple[str, str]] = {
    "Concat": ("p3", "TEXT"),
    "AggStep": ("p3", "BIGINT"),
    "AggStep0": ("p3", "BIGINT"),
    "Integer": ("p2", "INTEGER"),
    "Int64": ("p2", "BIGINT"),
    "String": ("p2", "TEXT"),
    "String8": ("p2", "TEXT"),
    "Or": ("p3", "INTEGER"),
    "And": ("p3", "INTEGER"),
    # Arithmetic yields BIGINT, comparisons are booleans typed INTEGER.
    **dict.fromkeys(_ARITHMETIC.split(), ("p3", "BIGINT")),
    **dict.fromkeys(_COMPARISONS.split(), ("p2", "INTEGER")),
}


def query_types(engine: Engine, sql: str) -> list[tuple[str, str]]:
    """(name, type) of each column the first statement of sql returns; SqlError if it fails."""
    import apsw

    from hostql.sql.engine import split_statements

    statements = split_statements(sql)
    if not statements:
        return []
    statement = statements[0]
    described: list[tuple[str, str | None]] = []

    def capture(cursor: Any, _sql: str, _bindings: Any) -> bool:
        described.extend(cursor.get_description())
        return False  # prepared and described: stop before the query runs

    cursor = engine.connection.cursor()
    cursor.exec_trace = capture
    try:
        cursor.execute(statement)
    except apsw.ExecTraceAbort:
        pass
    except apsw.Error as exc:
        raise SqlError(str(exc)) from None
    finally:
        cursor.close()
    columns = [(name, _type_name(declared)) for name, declared in described]
    if any(kind == "UNKNOWN" for _, kind in columns):
        _apply_planner_types(engine, statement, columns)
    return columns


def _type_name(declared: str | None) -> str:
    text = (declared or "").upper()
    return text if text in _DECLARED else "UNKNOWN"


def _apply_planner_types(engine: Engine, statement: str, columns: list[tuple[str, str]]) -> None:
    """Fill in expression types from the statement's VDBE program, as osquery's planner does."""
    import apsw

    cursor = engine.connection.cursor()
    try:
        program = cursor.execute("EXPLAIN " + statement).fetchall()
    except apsw.Error:
        return
    finally:
        cursor.close()
    registers: dict[int, str] = {}
    for _address, opcode, p1, p2, p3, *_rest in program:
        operands = {"p1": p1, "p2": p2, "p3": p3}
        if opcode == "ResultRow":
            for register, kind in registers.items():
                if 0 <= register - p1 < len(columns):
                    columns[register - p1] = (columns[register - p1][0], kind)
        if opcode == "Copy":
            for offset in range(p3 + 1):
                if p1 + offset in registers:
                    registers[p2 + offset] = registers.pop(p1 + offset)
        typed = _OPCODES.get(opcode)
        if typed is not None:
            registers[int(operands[typed[0]])] = typed[1]
