"""Shared fixtures: the reference folder beside the checkout, and a fresh engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_tables() -> dict[str, dict[str, Any]]:
    """osquery's Linux tables by name, from shared/reference (skip where it is absent)."""
    path = REFERENCE / "osquery-linux-tables.json"
    if not path.exists():
        pytest.skip("shared/reference is not beside this checkout")
    return {t["name"]: t for t in json.loads(path.read_text())["tables"]}


@pytest.fixture(scope="session")
def reference_flags() -> dict[str, dict[str, Any]]:
    """osquery's flags by name, from shared/reference (skip where it is absent)."""
    path = REFERENCE / "osquery-flags.json"
    if not path.exists():
        pytest.skip("shared/reference is not beside this checkout")
    return {f["name"]: f for f in json.loads(path.read_text())["flags"]}
