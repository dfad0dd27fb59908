"""The SQL functions and collations osquery adds to SQLite, registered on one connection."""

from __future__ import annotations

import importlib

import apsw

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["compare_versions", "register"]

# (name, "module.attribute", number of arguments or -1 for any); all deterministic, as osquery
# marks them. Implementations are imported on first call so startup pays only for a name.
_DETERMINISTIC: tuple[tuple[str, str, int], ...] = (
    ("sqrt", "math.sqrt", 1),
    ("acos", "math.acos", 1),
    ("asin", "math.asin", 1),
    ("atan", "math.atan", 1),
    ("cos", "math.cos", 1),
    ("sin", "math.sin", 1),
    ("tan", "math.tan", 1),
    ("cot", "math.cot", 1),
    ("exp", "math.exp", 1),
    ("log", "math.log", 1),
    ("log10", "math.log10", 1),
    ("power", "math.power", 2),
    ("ceil", "math.ceil", 1),
    ("floor", "math.floor", 1),
    ("degrees", "math.degrees", 1),
    ("radians", "math.radians", 1),
    ("pi", "math.pi", 0),
    ("split", "strings.split", 3),
    ("regex_split", "strings.regex_split", 3),
    ("regex_match", "strings.regex_match", 3),
    ("inet_aton", "strings.inet_aton", 1),
    ("concat", "strings.concat", -1),
    ("concat_ws", "strings.concat_ws", -1),
    ("version_compare", "version.version_compare", -1),
    ("md5", "hashing.md5", 1),
    ("sha1", "hashing.sha1", 1),
    ("sha256", "hashing.sha256", 1),
    ("community_id_v1", "network.community_id_v1", 5),
    ("community_id_v1", "network.community_id_v1", 6),
    ("community_id_v1_strict", "network.community_id_v1_strict", 5),
    ("community_id_v1_strict", "network.community_id_v1_strict", 6),
    ("in_cidr_block", "network.in_cidr_block", 2),
    ("to_base64", "encoding.to_base64", 1),
    ("from_base64", "encoding.from_base64", 1),
    ("conditional_to_base64", "encoding.conditional_to_base64", 1),
    ("parent_directory", "paths.parent_directory", 1),
    ("find_file_path_in_cmd", "paths.find_file_path_in_cmd", -1),
    ("is_path_deterministic", "paths.is_path_deterministic", -1),
)
_COLLATIONS = {
    "version": "version.collate_version",
    "version_arch": "version.collate_version_arch",
    "version_dpkg": "version.collate_version_dpkg",
    "version_rhel": "version.collate_version_rhel",
}


def _resolve(path: str) -> Callable[..., Any]:
    module, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


def _lazy(path: str) -> Callable[..., Any]:
    """A forwarder that imports the implementation at path on its first call."""
    target: Callable[..., Any] | None = None

    def call(*args: Any) -> Any:
        nonlocal target
        if target is None:
            target = _resolve(path)
        return target(*args)

    call.__name__ = path.rpartition(".")[2]
    return call


def compare_versions(left: str, right: str, flavor: str | None = None) -> int:
    """osquery's version_compare on two strings (flavor ARCH, DPKG, RHEL or None)."""
    return _resolve("version.compare_versions")(left, right, flavor)  # type: ignore[no-any-return]


def register(connection: apsw.Connection) -> None:
    """Add osquery's scalar functions, the carve aggregate and the version collations."""
    for name, path, arguments in _DETERMINISTIC:
        connection.create_scalar_function(name, _lazy(path), arguments, deterministic=True)
    connection.create_scalar_function("sleep", _lazy("operations.sleep"), 1, deterministic=False)
    connection.create_aggregate_function("carve", _lazy("operations.CarveAggregate"), 1)
    for name, path in _COLLATIONS.items():
        connection.create_collation(name, _lazy(path))
