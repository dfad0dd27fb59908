"""Shared benchmark plumbing: best-of-N timing and one JSON result line per measurement."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    """The fastest of repeat runs of fn, in seconds (the least disturbed run)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_command(argv: list[str], **kwargs: Any) -> Callable[[], None]:
    """A callable running argv to completion with its output discarded."""

    def run() -> None:
        subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, **kwargs
        )

    return run


def report(
    name: str,
    ours: float,
    reference: float,
    target: str,
    reference_name: str,
    note: str = "",
    unit: str = "s",
) -> dict[str, Any]:
    """Print one result line (JSON) and return it; ratio = ours / reference."""
    ratio = ours / reference if reference else float("inf")
    limit = float(target.split()[-1].rstrip("x"))
    lower_is_better = target.strip().startswith("<")
    met = ratio <= limit if lower_is_better else ratio >= limit
    line = {
        "name": name,
        "hostql": round(ours, 6),
        "reference": round(reference, 6),
        "unit": unit,
        "reference_name": reference_name,
        "ratio": round(ratio, 3),
        "target": target,
        "met": met,
        "note": note,
    }
    print(json.dumps(line), flush=True)
    return line


def python() -> str:
    """The interpreter running the benchmarks."""
    return sys.executable
