"""Plugin tables' rows: a guard that names the plugin on failure and NULLs wrong-typed cells."""

from __future__ import annotations

from hostql.registry import one_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from hostql.schema import TableSpec
    from hostql.sql.context import QueryContext

_NUMERIC = frozenset({"INTEGER", "BIGINT", "UNSIGNED BIGINT", "DOUBLE"})


def guard_plugin_table(spec: TableSpec, owner: str) -> TableSpec:
    """spec whose generator names owner when it fails and turns wrong-typed cells into NULL."""
    import dataclasses
    from itertools import islice, repeat

    from hostql.errors import HostqlError, SqlError

    generator = spec.generator
    assert generator is not None
    kinds = {c.name: c.type.value for c in spec.all_columns()}
    plain = frozenset({type(None), int, float, bool})
    accepted = {
        name: plain if kind in _NUMERIC else plain | {str, bytes} for name, kind in kinds.items()
    }

    def batch_fits(batch: list[Any], columns: list[tuple[str, frozenset[type]]]) -> bool:
        # Checked a column of a batch at a time with C-level calls: row-by-row Python
        # would add half the cost of a plain table scan.
        try:
            return all(
                ok.issuperset(map(type, map(dict.get, batch, repeat(name)))) for name, ok in columns
            )
        except TypeError:  # a row that is not a dict: the row-by-row path reports it
            return False

    def rows(ctx: QueryContext) -> Iterator[dict[str, Any]]:
        warned: set[str] = set()

        def warn(key: str, message: str) -> None:
            if key not in warned:
                warned.add(key)
                ctx.warnings.append(f"Plugin {owner}: table {spec.name} {message}")

        used = ctx.used_columns  # values of columns the query does not read never reach SQL
        columns = [(n, ok) for n, ok in accepted.items() if used is None or n in used]
        produced = iter(generator(ctx))
        size = 1  # batches double up to 1024, so `LIMIT 1` still asks for one row only
        try:
            while batch := list(islice(produced, size)):
                size = min(size * 2, 1024)
                if batch_fits(batch, columns):
                    yield from batch
                    continue
                for row in batch:
                    if isinstance(row, dict):
                        yield _checked_row(row, kinds, warn)
                    else:
                        warn(
                            "", f"yielded a {type(row).__name__}, not a dict; rows like it skipped"
                        )
        except HostqlError:
            raise
        except Exception as exc:
            raise SqlError(f"table {spec.name} (plugin {owner}) failed: {one_line(exc)}") from exc
        finally:
            close = getattr(produced, "close", None)
            if close is not None:
                close()

    return dataclasses.replace(spec, generator=rows)


def _checked_row(
    row: dict[str, Any], kinds: dict[str, str], warn: Callable[[str, str], None]
) -> dict[str, Any]:
    """row, with each value that does not fit its column replaced by None (and warned about)."""
    bad = [k for k, v in row.items() if v is not None and k in kinds and not cell_fits(v, kinds[k])]
    if not bad:
        return row
    row = dict(row)
    for key in bad:
        warn(key, f"column {key} ({kinds[key]}) got {row[key]!r}; used NULL")
        row[key] = None
    return row


def cell_fits(value: Any, kind: str) -> bool:
    """Whether a generator's value converts faithfully to a column of SQL type kind."""
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str | bytes):
        return False
    if kind not in _NUMERIC:
        return True
    from hostql.sql.vtable import to_double, to_integer

    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    # osquery's rule: an empty value is NULL, not an error.
    convert = to_double if kind == "DOUBLE" else to_integer
    return not text.strip() or convert(text) is not None
