"""Result renderers: pure functions that print rows byte-for-byte as osqueryi's output modes do."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

MODES = ("pretty", "json", "json_pretty", "line", "column", "list", "csv")

# osqueryi's column-mode header underline is a fixed 93-dash string cut to the column width.
_DASHES = "-" * 93
_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_CSV_QUOTED_BYTES = frozenset({0x20, 0x22, 0x27})

Texts = list[list[str | None]]


class RenderSettings:
    """Shell settings a renderer reads: NULL text, list/csv separator, header row, column widths."""

    # A plain class, not a dataclass: renderers are on hostqli's start-up path.
    __slots__ = ("header", "nullvalue", "separator", "widths")

    def __init__(
        self,
        nullvalue: str = "",
        separator: str = "|",
        header: bool = True,
        widths: tuple[int, ...] = (),
    ) -> None:
        self.nullvalue = nullvalue
        self.separator = separator
        self.header = header
        self.widths = widths


def render(
    mode: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    settings: RenderSettings | None = None,
) -> str:
    """The text osqueryi prints for one statement's result in mode."""
    try:
        renderer = _RENDERERS[mode]
    except KeyError:
        raise ValueError(f"unknown output mode {mode!r}") from None
    texts: Texts = [[cell_text(value) for value in row] for row in rows]
    return renderer(list(columns), texts, settings or RenderSettings())


def cell_text(value: Any) -> str | None:
    """SQLite's text form of a result value (sqlite3_column_text), None for NULL."""
    if value is None:
        return None
    if isinstance(value, float):
        text = _float_text(value)
        if text is None:  # NaN: SQLite stores it as NULL
            return None
    elif isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    else:
        text = str(value)
    # osqueryi handles values as C strings: an embedded NUL ends them.
    return text.partition("\0")[0]


_FLOAT_TEXTS: dict[float, str | None] = {}
_FLOAT_CACHE_SIZE = 4096
_converter: list[Any] = []


def _float_text(value: float) -> str | None:
    # SQLite's float-to-text rules changed across releases; asking SQLite keeps them exact.
    text = _FLOAT_TEXTS.get(value)
    if text is None:
        text = _sqlite().execute("SELECT CAST(? AS TEXT)", (value,)).fetchone()[0]
        if len(_FLOAT_TEXTS) >= _FLOAT_CACHE_SIZE:
            _FLOAT_TEXTS.clear()
        _FLOAT_TEXTS[value] = text
    return text


def _sqlite() -> Any:
    if not _converter:
        import apsw

        _converter.append(apsw.Connection(":memory:"))
    return _converter[0]


def _pretty(columns: list[str], rows: Texts, settings: RenderSettings) -> str:
    if not rows:
        return ""
    maps = [_row_map(columns, row, settings) for row in rows]
    lengths: dict[str, int] = {}
    for row_map in maps:
        for name, text in row_map.items():
            lengths[name] = max(lengths.get(name, 0), len(text))
    for name in maps[0]:
        lengths[name] = max(lengths[name], len(name))
    border = "+" + "".join("-" * (lengths[name] + 2) + "+" for name in columns) + "\n"
    header = "|" + "".join(f" {name}{' ' * (lengths[name] - len(name))} |" for name in columns)
    lines = [border, header, "\n", border]
    for row_map in maps:
        cells = (f"| {row_map[n]}{' ' * (lengths[n] - len(row_map[n]) + 1)}" for n in columns)
        lines.append("".join(cells) + "|\n")
    lines.append(border)
    return "".join(lines)


def _json(columns: list[str], rows: Texts, settings: RenderSettings) -> str:
    objects = []
    for row in rows:
        pairs = sorted(_row_map(columns, row, settings).items())
        objects.append(
            "  {" + ",".join(f"{_json_string(k)}:{_json_string(v)}" for k, v in pairs) + "}"
        )
    return "[\n" + ",\n".join(objects) + "\n]\n"


def _json_pretty(columns: list[str], rows: Texts, settings: RenderSettings) -> str:
    if not rows:
        return "[]\n"
    objects = []
    for row in rows:
        pairs = sorted(_row_map(columns, row, settings).items())
        members = ",\n".join(f"    {_json_string(k)}: {_json_string(v)}" for k, v in pairs)
        objects.append("  {\n" + members + "\n  }")
    return "[\n" + ",\n".join(objects) + "\n]\n"


def _line(columns: list[str], rows: Texts, settings: RenderSettings) -> str:
    width = max([5, *(_size(name) for name in columns)])
    blocks = []
    for row in rows:
        blocks.append(
            "".join(
                f"{' ' * (width - _size(name))}{name} = {_or_null(text, settings)}\n"
                for name, text in zip(columns, row, strict=True)
            )
        )
    return "\n".join(blocks)


def _column(columns: list[str], rows: Texts, settings: RenderSettings) -> str:
    if not rows:
        return ""
    widths = []
    for index, name in enumerate(columns):
        width = settings.widths[index] if index < len(settings.widths) else 0
        if width == 0:
            first = _or_null(rows[0][index], settings)
            width = max(10, _size(name), _size(first))
        widths.append(width)
    # osqueryi keeps at most 100 computed widths; later columns print 10 wide.
    row_widths = [w if i < 100 else 10 for i, w in enumerate(widths)]
    lines = []
    if settings.header:
        lines.append(_column_line(columns, widths))
        lines.append(_column_line([_DASHES] * len(columns), [abs(w) for w in row_widths]))
    for row in rows:
        lines.append(_column_line([_or_null(text, settings) for text in row], row_widths))
    return "".join(lines)


def _column_line(texts: list[str], widths: list[int]) -> str:
    return "  ".join(_fit(text, width) for text, width in zip(texts, widths, strict=True)) + "\n"


def _list(columns: list[str], rows: Texts, settings: RenderSettings) -> str:
    if not rows:
        return ""
    separator = settings.separator
    lines = [separator.join(columns) + "\n"] if settings.header else []
    for row in rows:
        lines.append(separator.join(_or_null(text, settings) for text in row) + "\n")
    return "".join(lines)


def _csv(columns: list[str], rows: Texts, settings: RenderSettings) -> str:
    if not rows:
        return ""
    separator = settings.separator
    lines = []
    if settings.header:
        lines.append(separator.join(csv_field(name, separator) for name in columns) + "\n")
    for row in rows:
        fields = (
            settings.nullvalue if text is None else csv_field(text, separator) for text in row
        )
        lines.append(separator.join(fields) + "\n")
    return "".join(lines)


def csv_field(text: str, separator: str) -> str:
    """One CSV value, double-quoted when the SQLite shell's rules require it."""
    data = text.encode("utf-8", "surrogatepass")
    marker = separator.encode("utf-8", "surrogatepass")
    needs_quotes = any(b < 0x20 or b >= 0x7F or b in _CSV_QUOTED_BYTES for b in data)
    # The shell compares a multi-byte separator against the start of the value, not the
    # position it found: kept for byte-identical output.
    if not needs_quotes and marker and marker[0] in data:
        needs_quotes = len(marker) == 1 or data.startswith(marker)
    if not needs_quotes:
        return text
    return '"' + text.replace('"', '""') + '"'


def _row_map(columns: list[str], row: list[str | None], settings: RenderSettings) -> dict[str, str]:
    # osquery keeps a row as a name -> value map: a repeated column name keeps its last value.
    return {name: _or_null(text, settings) for name, text in zip(columns, row, strict=True)}


def _or_null(text: str | None, settings: RenderSettings) -> str:
    return settings.nullvalue if text is None else text


def _json_string(text: str) -> str:
    escaped = []
    for char in text:
        replacement = _JSON_ESCAPES.get(char)
        if replacement is not None:
            escaped.append(replacement)
        elif char < " ":
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _size(text: str) -> int:
    """Length in bytes, the unit printf's field widths count in."""
    return len(text.encode("utf-8", "surrogatepass"))


def _fit(text: str, width: int) -> str:
    """printf %-W.Ws (or %W.Ws for a negative width): cut to and pad to width bytes."""
    size = abs(width)
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > size:
        text = data[:size].decode("utf-8", "ignore")
    padding = " " * max(0, size - _size(text))
    return padding + text if width < 0 else text + padding


_RENDERERS: dict[str, Callable[[list[str], Texts, RenderSettings], str]] = {
    "pretty": _pretty,
    "json": _json,
    "json_pretty": _json_pretty,
    "line": _line,
    "column": _column,
    "list": _list,
    "csv": _csv,
}
