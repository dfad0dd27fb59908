"""The engine: statements, authorizer, errors, table enabling, aliases, lazy table import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hostql.errors import SqlError
from hostql.sql.engine import Engine, split_statements


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def test_split_statements_respects_strings_and_comments() -> None:
    text = "select 1; select ';' as x ; -- note\nselect 2;\n-- trailing comment"
    assert split_statements(text) == ["select 1;", "select ';' as x ;", "-- note\nselect 2;"]
    assert split_statements("select 3") == ["select 3"]
    assert split_statements(" ; ;") == []


def test_statements_yield_each_result(engine: Engine) -> None:
    results = list(engine.statements("select 1 as a; select 2 as b, 3 as c where 0"))
    assert [(r.columns, r.rows) for r in results] == [(["a"], [(1,)]), (["b", "c"], [])]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("selec 1", 'near "selec": syntax error'),
        ("select * from no_such_table", "no such table: no_such_table"),
        ("attach database ':memory:' as other", "not authorized: ATTACH is not allowed"),
        ("pragma user_version = 3", "not authorized: PRAGMA user_version is not allowed"),
        (
            "create temp table x(a); create temp trigger t after insert on x begin select 1; end",
            "not authorized: CREATE_TEMP_TRIGGER is not allowed",
        ),
    ],
)
def test_errors_are_one_line(engine: Engine, sql: str, message: str) -> None:
    with pytest.raises(SqlError) as info:
        engine.execute(sql)
    assert str(info.value) == message


def test_allowed_pragmas_and_views(engine: Engine) -> None:
    assert engine.execute("pragma table_info(uptime)").rows[0][1] == "days"
    engine.execute("create temp view if not exists up as select days from uptime")
    assert engine.execute("select count(*) from up").rows == [(1,)]


def test_tables_are_read_only(engine: Engine) -> None:
    with pytest.raises(SqlError, match=r"read-only|may not be modified"):
        engine.execute("delete from uptime")


def test_disable_and_enable_tables() -> None:
    from hostql.flags import default_values

    values = default_values()
    values.set("disable_tables", "uptime")
    with pytest.raises(SqlError, match="no such table: uptime"):
        Engine(flags=values).execute("select * from uptime")
    values = default_values()
    values.set("enable_tables", "osquery_info")
    engine = Engine(flags=values)
    assert engine.table_names() == ["osquery_info"]


def test_bound_parameters(engine: Engine) -> None:
    assert engine.query("select ? as a, :b as b", 1, 2) == [{"a": 1, "b": 2}]
    assert engine.execute("select :x as x", {"x": "y"}).rows == [("y",)]


def test_select_one_imports_no_table_module() -> None:
    code = (
        "import sys\nfrom hostql.sql.engine import Engine\n"
        "Engine().execute('select 1')\n"
        "print(sorted(m for m in sys.modules if m.startswith('hostql.tables.') "
        "))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
