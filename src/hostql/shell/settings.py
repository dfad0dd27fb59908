"""The text of .show/.summary and .version: versions, general and shell settings, changed flags."""

from __future__ import annotations

from hostql.shell.session import Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hostql.flags import FlagValues

_LABEL_WIDTH = 13


def hostql_version() -> str:
    """The installed hostql version."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - stripped-down Pythons
        return "0.1.0"
    try:
        return version("hostql")
    except PackageNotFoundError:
        return "0.1.0"


def version_text() -> str:
    """`.version`: the hostql and SQLite versions, one a line."""
    import apsw

    return f"hostql {hostql_version()}\nusing SQLite {apsw.sqlite_lib_version()}\n"


def c_string(text: str) -> str:
    """text quoted as the SQLite shell's output_c_string does (C escapes, octal for the rest)."""
    out = ['"']
    for byte in text.encode("utf-8", "surrogatepass"):
        char = chr(byte)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\t":
            out.append("\\t")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif not 0x20 <= byte <= 0x7E:
            out.append(f"\\{byte:03o}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _label(name: str, value: str) -> str:
    return f"{name[:_LABEL_WIDTH]:>{_LABEL_WIDTH}}: {value}\n"


def _plugin(values: FlagValues, plugin: str, path_flag: str, endpoint_flag: str) -> str:
    name = str(values.get(plugin, ""))
    if name == "filesystem":
        return f"{name} ({values.get(path_flag, '')})"
    if name == "tls":
        return f"{name} ({values.get('tls_hostname', '')}{values.get(endpoint_flag, '')})"
    return name


def non_default_flags(session: Session) -> list[tuple[str, str]]:
    """(name, value) of every flag whose value differs from its default, by name."""
    values = session.values
    changed = []
    for flag in values.registry:
        value = flag.render(values[flag.name])
        if value != flag.render(flag.default):
            changed.append((flag.name, value))
    return changed


def show_text(session: Session) -> str:
    """`.show`: osqueryi's settings summary."""
    values = session.values
    if values.is_set("database_path") and not values.get("disable_database", False):
        database = f"sqlite ({values['database_path']})"
    else:
        database = "ephemeral"
    widths = "".join(f"{width} " for width in _leading_widths(session.widths))
    lines = [
        session.bold("hostql"),
        " - being built, with love.\n",
        "~" * 45 + "\n",
        version_text(),
        "\nGeneral settings:\n",
        _label("Flagfile", str(values.get("flagfile", ""))),
        _label("Config", _plugin(values, "config_plugin", "config_path", "config_tls_endpoint")),
        _label("Logger", _plugin(values, "logger_plugin", "logger_path", "logger_tls_endpoint")),
        _label("Distributed", str(values.get("distributed_plugin", ""))),
        _label("Database", database),
        _label("Extensions", ""),
        _label("Socket", str(values.get("extensions_socket", ""))),
        "\nShell settings:\n",
        _label("echo", "on" if session.echo else "off"),
        _label("headers", "on" if session.header else "off"),
        _label("mode", session.mode),
        _label("nullvalue", c_string(session.nullvalue)),
        _label("output", session.output_path or "stdout"),
        _label("separator", c_string(session.separator)),
        _label("width", widths),
        "\nNon-default flags/options:\n",
    ]
    lines.extend(f"  {name}: {value}\n" for name, value in non_default_flags(session))
    return "".join(lines)


def _leading_widths(widths: list[int]) -> list[int]:
    leading = []
    for width in widths:
        if width == 0:
            break
        leading.append(width)
    return leading
