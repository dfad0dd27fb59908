"""A config's "options": flag overrides applied as osquery's options parser does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hostql.errors import FlagError
from hostql.flags import FlagValues

# Setting one of these re-applies the status log levels (osquery's kVerboseOptions).
VERBOSITY_OPTIONS = frozenset(
    {
        "verbose",
        "minloglevel",
        "logger_min_status",
        "stderrthreshold",
        "logger_min_stderr",
        "logger_stderr",
        "logtostderr",
        "alsologtostderr",
    }
)
CONFIG_SOURCE = "config"


def apply_options(options: Mapping[str, Any], values: FlagValues) -> list[str]:
    """Set values from a config's options; return a warning per option that was not applied."""
    warnings: list[str] = []
    for name, raw in options.items():
        text = option_text(raw)
        if text is None:
            warnings.append(f"Cannot parse unknown value type for option: {name}")
            continue
        # osquery cannot set a flag to "" from a config: the option is skipped.
        if not text or not name:
            continue
        if name.startswith("custom_"):
            values.custom[name] = text
            continue
        flag = values.registry.lookup(name)
        if flag is None:
            warnings.append(f"Cannot set unknown or invalid flag: {name}")
            continue
        if flag.startup_only:
            warnings.append(
                f"The CLI only flag --{name} set via config file will be ignored, please use a "
                "flagfile or pass it to the process at startup"
            )
            continue
        try:
            values.set(flag.name, text, CONFIG_SOURCE)
        except FlagError as exc:
            warnings.append(f"Cannot set flag {name} from the config options: {exc}")
    return warnings


def option_text(value: Any) -> str | None:
    """The text osquery makes of an option's JSON value, or None for null."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return None
