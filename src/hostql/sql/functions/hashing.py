"""osquery's hashing SQL functions: md5, sha1 and sha256 of a value's text."""

from __future__ import annotations

import hashlib

from hostql.sql.functions.coercion import SqlValue, c_bytes


def _hexdigest(algorithm: str, value: SqlValue) -> str | None:
    if value is None:
        return None
    # osquery hashes strlen() bytes, so the text ends at its first NUL.
    return hashlib.new(algorithm, c_bytes(value), usedforsecurity=False).hexdigest()


def md5(value: SqlValue) -> str | None:
    """Lowercase hex MD5 of the value's text; NULL stays NULL."""
    return _hexdigest("md5", value)


def sha1(value: SqlValue) -> str | None:
    """Lowercase hex SHA-1 of the value's text; NULL stays NULL."""
    return _hexdigest("sha1", value)


def sha256(value: SqlValue) -> str | None:
    """Lowercase hex SHA-256 of the value's text; NULL stays NULL."""
    return _hexdigest("sha256", value)
