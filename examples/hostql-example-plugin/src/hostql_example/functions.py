"""rot13(text): the SQL function this example plugin adds."""

from __future__ import annotations

import codecs


def rot13(value: str | None) -> str | None:
    """value with its ASCII letters rotated by 13 places (NULL stays NULL)."""
    return None if value is None else codecs.encode(str(value), "rot13")
