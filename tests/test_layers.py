"""Dependencies point one way: lower layers never import higher ones (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "hostql"
# Lower number = lower layer; a module may import only its own layer or lower ones.
LAYERS = {
    "errors": 0,
    "schema": 0,
    "flags": 0,
    "packs": 0,
    "sql": 1,
    "host": 1,
    "registry": 1,
    "catalog": 1,
    "tables": 2,
    "events": 2,
    "testing": 2,
    "plugins": 3,
    "extensions": 3,
    "reference_docs": 3,
    "shell": 4,
    "daemon": 4,
    "server": 4,
    "remote": 4,
    "cli": 5,
    "__main__": 5,
    "__init__": 5,
}
SIBLINGS = {"shell", "daemon", "server"}


def _layer_of(module: str) -> str:
    return module.split(".")[0]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    # Type-only imports (under `if TYPE_CHECKING:`) create no runtime dependency.
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hostql"):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("hostql")]
    return found


def test_imports_point_down() -> None:
    problems = []
    for path in SRC.rglob("*.py"):
        own = _layer_of(str(path.relative_to(SRC).with_suffix("")).replace("/", "."))
        for imported in _imports(path):
            parts = imported.split(".")
            if len(parts) == 1:
                continue  # the facade (hostql.__version__) is importable from anywhere
            target = parts[1]
            if target not in LAYERS or own not in LAYERS:
                problems.append(f"{path}: unknown layer for {imported}")
            elif own in SIBLINGS and target in SIBLINGS and own != target:
                problems.append(f"{path}: sibling import {imported}")
            elif LAYERS[target] > LAYERS[own]:
                problems.append(f"{path}: imports upward {imported}")
    assert not problems, "\n".join(problems)
