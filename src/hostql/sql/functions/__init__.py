"""The SQL functions and collations osquery adds to SQLite, registered on one connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apsw

from hostql.sql.functions import encoding, hashing, math, network, operations, paths, strings
from hostql.sql.functions.version import COLLATIONS, compare_versions, version_compare

__all__ = ["compare_versions", "register"]

# (name, function, number of arguments or -1 for any); all deterministic, as osquery marks them.
_DETERMINISTIC: tuple[tuple[str, Callable[..., Any], int], ...] = (
    ("sqrt", math.sqrt, 1),
    ("acos", math.acos, 1),
    ("asin", math.asin, 1),
    ("atan", math.atan, 1),
    ("cos", math.cos, 1),
    ("sin", math.sin, 1),
    ("tan", math.tan, 1),
    ("cot", math.cot, 1),
    ("exp", math.exp, 1),
    ("log", math.log, 1),
    ("log10", math.log10, 1),
    ("power", math.power, 2),
    ("ceil", math.ceil, 1),
    ("floor", math.floor, 1),
    ("degrees", math.degrees, 1),
    ("radians", math.radians, 1),
    ("pi", math.pi, 0),
    ("split", strings.split, 3),
    ("regex_split", strings.regex_split, 3),
    ("regex_match", strings.regex_match, 3),
    ("inet_aton", strings.inet_aton, 1),
    ("concat", strings.concat, -1),
    ("concat_ws", strings.concat_ws, -1),
    ("version_compare", version_compare, -1),
    ("md5", hashing.md5, 1),
    ("sha1", hashing.sha1, 1),
    ("sha256", hashing.sha256, 1),
    ("community_id_v1", network.community_id_v1, 5),
    ("community_id_v1", network.community_id_v1, 6),
    ("community_id_v1_strict", network.community_id_v1_strict, 5),
    ("community_id_v1_strict", network.community_id_v1_strict, 6),
    ("in_cidr_block", network.in_cidr_block, 2),
    ("to_base64", encoding.to_base64, 1),
    ("from_base64", encoding.from_base64, 1),
    ("conditional_to_base64", encoding.conditional_to_base64, 1),
    ("parent_directory", paths.parent_directory, 1),
    ("find_file_path_in_cmd", paths.find_file_path_in_cmd, -1),
    ("is_path_deterministic", paths.is_path_deterministic, -1),
)


def register(connection: apsw.Connection) -> None:
    """Add osquery's scalar functions, the carve aggregate and the version collations."""
    for name, function, arguments in _DETERMINISTIC:
        connection.create_scalar_function(name, function, arguments, deterministic=True)
    connection.create_scalar_function("sleep", operations.sleep, 1, deterministic=False)
    connection.create_aggregate_function("carve", operations.CarveAggregate, 1)
    for name, collation in COLLATIONS.items():
        connection.create_collation(name, collation)
