"""Token Factory Planner: which racks to buy and how to split a site's power across tiers.

The public names below import on first use (PEP 562), so `plan --help`, `plan validate` and
`plan schema` do not pay for pandas and Pyomo.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.inputs.load import LoadedInstance, load_instance
    from planner.results.run import PlanResult
    from planner.solver.highs import SolveSettings, SolveStatus

_LAZY = {
    "LoadedInstance": "planner.inputs.load",
    "load_instance": "planner.inputs.load",
    "PlanResult": "planner.results.run",
    "SolveSettings": "planner.solver.highs",
    "SolveStatus": "planner.solver.highs",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


def solve(
    instance: str | Path | LoadedInstance, settings: SolveSettings | None = None, **load_kwargs
) -> PlanResult:
    """Load (if given a path) and solve an instance; the result carries DataFrames in `.tables`.

    Every instance is solved by the one model: a single-year plan is a horizon of one year with
    one scenario. With `horizon:` or `scenarios:` the tables are per year and scenario (build
    schedule, VSS and EVPI); otherwise racks, tiers and allocation.
    """
    from planner.inputs.load import LoadedInstance, load_instance

    loaded = (
        instance if isinstance(instance, LoadedInstance) else load_instance(instance, **load_kwargs)
    )
    from planner.results.run import solve_loaded

    return solve_loaded(loaded, settings)


def explain(instance: str | Path | LoadedInstance, **kwargs):
    """Solve and explain an instance: marginals, binding requirements, entry thresholds,
    alternatives or, when infeasible, the conflicting requirements (`planner.explanation.explain`).

    Imported on first use so `import planner` stays light.
    """
    from planner.explanation import explain as run

    return run(instance, **kwargs)


def sweep(instance: str | Path, **kwargs: Any) -> Any:
    """A grid and/or Monte Carlo study as a DataFrame (see planner.studies.api.sweep)."""
    from planner.studies.api import sweep as run_sweep

    return run_sweep(instance, **kwargs)


def frontier(instance: str | Path, x: str, values: Any, out: str | Path, **kwargs: Any) -> Any:
    """The optimum against one input, with frontier.csv/.png (see planner.studies.api.frontier)."""
    from planner.studies.api import frontier as run_frontier

    return run_frontier(instance, x, values, out, **kwargs)


__all__ = [
    "LoadedInstance",
    "PlanResult",
    "SolveSettings",
    "SolveStatus",
    "explain",
    "frontier",
    "load_instance",
    "solve",
    "sweep",
]
