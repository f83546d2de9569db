"""Token Factory Planner: which racks to buy and how to split a site's power across tiers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.load import LoadedInstance, load_instance
from planner.plan import PlanResult, solve_loaded
from planner.solver import SolveSettings, SolveStatus


def solve(
    instance: str | Path | LoadedInstance, settings: SolveSettings | None = None, **load_kwargs
) -> PlanResult:
    """Load (if given a path) and solve an instance; the result carries DataFrames in `.tables`."""
    loaded = (
        instance if isinstance(instance, LoadedInstance) else load_instance(instance, **load_kwargs)
    )
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
