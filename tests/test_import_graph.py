"""Imports point one way along the pipeline, with no cycle, and nothing imports the CLI.

The graph is read from the source with `ast` (imports inside functions count too: a lazy import
is still a dependency). Layers, in pipeline order:
    errors -> inputs -> model -> solver -> results -> explanation, studies, report -> web -> cli
A module may import its own layer or an earlier one, never a later one. `planner/__init__.py`
(the Python API) may import any layer but the CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "planner"
LAYERS = {
    "errors": 0, "version": 0, "inputs": 1, "model": 2, "solver": 3, "results": 4,
    "explanation": 5, "studies": 5, "report": 5, "web": 6, "cli": 7,
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """planner modules imported anywhere in the file: `from a.b import c` is a.b.c when that is
    a module (a submodule import), else a.b."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("planner"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("planner"))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        edges[name] = {m for m in imports(path, set(modules)) if m in modules and m != name}
    return edges


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def wrong_imports(edges: dict[str, set[str]]) -> list[str]:
    """Every import from an earlier layer to a later one, of the API package by a layer, or of
    the CLI by the API."""
    wrong = []
    for module, targets in edges.items():
        here = layer(module)
        for target in targets:
            there = layer(target)
            if there is None:
                wrong.append(f"{module} imports the API package {target}")
            elif here is not None and there > here:
                wrong.append(f"{module} (layer {here}) imports {target} (layer {there})")
            elif here is None and there == LAYERS["cli"]:
                wrong.append(f"the API imports the CLI ({target})")
    return wrong


def test_imports_follow_the_pipeline():
    wrong = wrong_imports(graph())
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_the_check_sees_a_backward_import():
    # the checker itself must flag an edge from an early layer to a later one, and the API
    # importing the CLI, while the real graph's edges stay allowed
    assert wrong_imports({"planner.inputs.x": {"planner.cli"}}) == [
        "planner.inputs.x (layer 1) imports planner.cli (layer 7)"
    ]
    assert wrong_imports({"planner": {"planner.cli.commands"}}) == [
        "the API imports the CLI (planner.cli.commands)"
    ]
    assert wrong_imports({"planner.results.run": {"planner.model"}}) == []
