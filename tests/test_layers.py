"""The module map points one way: Hydra stays at the top (cli, hydra_compose, sweep and the
sweeper plugin), the model and the runner know only typed configs, and no two modules import
each other, however indirectly (function-level imports count: they are circles put off)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"bedflow": ROOT / "bedflow",
            "hydra_plugins.bedflow_sweeper": ROOT / "hydra_plugins" / "bedflow_sweeper"}


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg, folder in PACKAGES.items():
        for f in folder.glob("*.py"):
            mods[pkg if f.stem == "__init__" else f"{pkg}.{f.stem}"] = f
    return mods


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of ours it imports, anywhere in its file."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        pkg = mod if path.stem == "__init__" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                # `from pkg import name`: the module `pkg.name` if there is one, else `pkg`
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                           for a in node.names]
            for t in targets:
                while t and t not in mods:  # `import a.b.c` of ours: its deepest module
                    t = t.rpartition(".")[0]
                if t and t != mod:
                    graph[mod].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (c := visit(n)):
                return c
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (c := visit(m)):
            return c
    return None


def test_the_import_graph_finds_a_circle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    graph = import_graph()
    assert {"bedflow.config", "bedflow.model", "bedflow.stats"} <= graph["bedflow.runner"] | \
        graph["bedflow.compare"]  # relative imports resolved
    assert "bedflow.sweep" in graph["hydra_plugins.bedflow_sweeper.bedflow_sweeper"]


def test_the_import_graph_of_bedflow_has_no_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module", ["bedflow.model", "bedflow.runner", "bedflow.results"])
def test_the_core_loads_no_hydra(module):
    code = (f"import sys, {module}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('hydra', 'omegaconf', 'antlr4')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_the_runner_takes_a_typed_config_only():
    from omegaconf import OmegaConf

    import bedflow
    from bedflow.config import Config

    with pytest.raises(TypeError, match="needs a bedflow Config, got DictConfig"):
        bedflow.simulate(OmegaConf.structured(Config))
