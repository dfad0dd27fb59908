"""The "example" config plugin: a built-in schedule, plus the file HOSTQL_EXAMPLE_CONFIG names."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from hostql.flags import FlagValues

SCHEDULE = {
    "schedule": {
        "example_shells": {"query": "select path, name from example_shells", "interval": 1},
    }
}


def read_config(values: FlagValues) -> Mapping[str, str]:
    """Config sources by name (osquery's genConfig): each value is a JSON config text."""
    sources = {"example": json.dumps(SCHEDULE)}
    extra = os.environ.get("HOSTQL_EXAMPLE_CONFIG")
    if extra:
        with open(extra, encoding="utf-8") as handle:
            sources[extra] = handle.read()
    return sources
