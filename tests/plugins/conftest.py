"""Plugin fixtures: the example package pip-installed once, and hand-made broken plugins."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostql.registry import forget_entry_point_plugins

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hostql-example-plugin"
BIN = Path(sys.executable).parent

# Broken plugins, one failure each: hostql must name the plugin and keep everything else.
BROKEN = {
    "broken_import": "import hostql_no_such_module_xyz\n",
    "broken_rows": """
        from hostql.schema import INTEGER, Column, table

        @table("broken_rows", "Raises.", columns=[Column("n", INTEGER, "n")])
        def broken_rows(ctx):
            yield {"n": 1}
            raise RuntimeError("disk on fire")

        def hostql_tables():
            return [broken_rows]
    """,
    "broken_types": """
        from hostql.schema import INTEGER, TEXT, Column, table

        @table("broken_types", "Wrong types.",
               columns=[Column("n", INTEGER, "n"), Column("label", TEXT, "label")])
        def broken_types(ctx):
            yield {"n": [1, 2], "label": "list in an INTEGER column"}
            yield ("not", "a", "dict")
            yield {"n": 3, "label": "fine"}

        def hostql_tables():
            return [broken_types]
    """,
}


def write_plugin(
    directory: Path, module: str, source: str, *, entry: str | None = None, value: str = ""
) -> Path:
    """A minimal installed distribution: module.py and a dist-info naming it in group hostql."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{module}.py").write_text(textwrap.dedent(source))
    dist = directory / f"{module}_dist-0.1.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}-dist\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[hostql]\n{entry or module} = {value or module}\n")
    return directory


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path whose plugins the next discovery finds (in this process)."""
    directory = tmp_path / "site"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    forget_entry_point_plugins()
    before = set(sys.modules)
    yield directory
    forget_entry_point_plugins()
    for name in set(sys.modules) - before:
        if name.startswith(("broken_", "plug_")):
            del sys.modules[name]
    importlib.invalidate_caches()


@pytest.fixture
def make_plugin(plugin_dir: Path) -> Callable[..., Path]:
    """make_plugin(module, source, entry=..., value=...): install a plugin into plugin_dir."""
    return lambda module, source, **kw: write_plugin(plugin_dir, module, source, **kw)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package, installed with pip into a directory of its own."""
    target = tmp_path_factory.mktemp("example-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(EXAMPLE)],
        check=True,
        timeout=300,
        capture_output=True,
    )  # fmt: skip
    return target


@pytest.fixture(scope="session")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three broken plugins, installed side by side."""
    directory = tmp_path_factory.mktemp("broken-site")
    for module, source in BROKEN.items():
        write_plugin(directory, module, source)
    return directory


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(scope="session")
def run_with() -> Callable[..., Runner]:
    """run_with(*sites)(program, *args): a hostql command with sites on PYTHONPATH."""

    def bind(*sites: Path) -> Runner:
        def run(
            program: str, *args: str, stdin: str = "", timeout: float = 60
        ) -> subprocess.CompletedProcess[str]:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(s) for s in sites)}
            return subprocess.run(
                [str(BIN / program), *args],
                capture_output=True,
                text=True,
                input=stdin,
                env=env,
                timeout=timeout,
            )

        return run

    return bind
