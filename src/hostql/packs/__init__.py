"""The query packs, default config and service files shipped with hostql."""

from __future__ import annotations

from pathlib import Path

PACKS: tuple[str, ...] = (
    "monitoring",
    "host-baseline",
    "incident-response",
    "compliance",
    "hardware",
    "file-integrity",
)
# The embedded default config ships beside the packs; pack_path() finds it by this name too.
DEFAULT_CONFIG = "default"

_DIRECTORY = Path(__file__).resolve().parent


def pack_path(name: str) -> Path:
    """The file of a shipped pack or of "default" (".conf" optional); KeyError if none."""
    stem = name.removesuffix(".conf")
    if stem not in PACKS and stem != DEFAULT_CONFIG:
        raise KeyError(f"no shipped pack named {name!r} (one of: {', '.join(PACKS)})")
    return _DIRECTORY / f"{stem}.conf"


def default_config_path() -> Path:
    """The embedded default config; its pack paths resolve against its own directory."""
    return pack_path(DEFAULT_CONFIG)
