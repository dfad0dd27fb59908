"""Fixtures for the events tests: a status recorder and the evented tables in the catalog."""

from __future__ import annotations

import pytest
from event_fakes import Recorder

from hostql.catalog import CATALOG


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def evented_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have the built-in catalog list file_events and osquery_events (before `make catalog`)."""
    entries = {
        "file_events": ("hostql.tables.events.file_events", (), ("linux", "macos"), True),
        "osquery_events": (
            "hostql.tables.utility.osquery_events",
            (),
            ("linux", "macos", "windows"),
            False,
        ),
    }
    for name, entry in entries.items():
        if name not in CATALOG:
            monkeypatch.setitem(CATALOG, name, entry)
